import type { Queryable } from '@evento/sdk';
import { Pool } from 'pg';
import type { TodoItemView, TodoListView } from '../domain/messages';

interface Row extends Record<string, unknown> {
  list_id: string;
  name: string;
  owner: string;
  items: TodoItemView[];
  completed: boolean;
  applied_events: number;
  updated_at: Date;
}

/**
 * The read model: one row per list in the bundle's own schema. The projector writes it inside
 * the SDK's checkpoint transaction; the projection reads it.
 */
export class TodoListReadModel {
  readonly pool: Pool;

  constructor(
    url: string,
    readonly schema: string,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error('schema must be a lower-case SQL identifier');
    this.pool = new Pool({ connectionString: url, max: 3 });
    this.pool.on('error', () => undefined);
  }

  private get table(): string {
    return `"${this.schema}".todo_list`;
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`todolist-read-model:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
        list_id text PRIMARY KEY,
        name text NOT NULL,
        owner text NOT NULL,
        items jsonb NOT NULL DEFAULT '[]',
        completed boolean NOT NULL DEFAULT false,
        applied_events integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
      await client.query(`CREATE INDEX IF NOT EXISTS todo_list_owner ON ${this.table} (owner, list_id)`);
      await client.query(`CREATE TABLE IF NOT EXISTS "${this.schema}".notification (
        id bigserial PRIMARY KEY,
        position bigint NOT NULL,
        event_name text NOT NULL,
        list_id text NOT NULL,
        noted_at timestamptz NOT NULL DEFAULT now()
      )`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** A rebuild starts the row again, so replaying every event ends with the same view. */
  async created(db: Queryable, listId: string, name: string, owner: string): Promise<void> {
    await db.query(
      `INSERT INTO ${this.table} (list_id, name, owner) VALUES ($1, $2, $3)
       ON CONFLICT (list_id) DO UPDATE SET name = $2, owner = $3, items = '[]', completed = false, applied_events = 1, updated_at = now()`,
      [listId, name, owner],
    );
  }

  async itemAdded(db: Queryable, listId: string, itemId: string, text: string): Promise<void> {
    await db.query(
      `UPDATE ${this.table} SET items = items || jsonb_build_array(jsonb_build_object('itemId', $2::text, 'text', $3::text, 'checked', false)),
         applied_events = applied_events + 1, updated_at = now() WHERE list_id = $1`,
      [listId, itemId, text],
    );
  }

  async itemChecked(db: Queryable, listId: string, itemId: string): Promise<void> {
    await db.query(
      `UPDATE ${this.table} SET items = (
         SELECT coalesce(jsonb_agg(CASE WHEN item->>'itemId' = $2 THEN item || '{"checked": true}' ELSE item END ORDER BY ord), '[]')
         FROM jsonb_array_elements(items) WITH ORDINALITY AS t(item, ord)),
         applied_events = applied_events + 1, updated_at = now() WHERE list_id = $1`,
      [listId, itemId],
    );
  }

  async completed(db: Queryable, listId: string): Promise<void> {
    await db.query(
      `UPDATE ${this.table} SET completed = true, applied_events = applied_events + 1, updated_at = now() WHERE list_id = $1`,
      [listId],
    );
  }

  async deleted(db: Queryable, listId: string): Promise<void> {
    await db.query(`DELETE FROM ${this.table} WHERE list_id = $1`, [listId]);
  }

  async noted(db: Queryable, position: string, eventName: string, listId: string): Promise<void> {
    await db.query(`INSERT INTO "${this.schema}".notification (position, event_name, list_id) VALUES ($1, $2, $3)`, [
      position,
      eventName,
      listId,
    ]);
  }

  async byId(listId: string): Promise<TodoListView | null> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE list_id = $1`, [listId]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async byOwner(owner: string, page: number, pageSize: number): Promise<TodoListView[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM ${this.table} WHERE owner = $1 ORDER BY list_id LIMIT $2 OFFSET $3`,
      [owner, pageSize, (page - 1) * pageSize],
    );
    return rows.map(toView);
  }
}

function toView(row: Row): TodoListView {
  return {
    listId: row.list_id,
    name: row.name,
    owner: row.owner,
    items: row.items,
    completed: row.completed,
    appliedEvents: row.applied_events,
    updatedAt: row.updated_at.toISOString(),
  };
}
