import type { StoredEvent } from '@evento/contracts';
import { Client, Pool, type PoolClient } from 'pg';
import type { Checkpoint, ConsumerStore, DeadEvent, Queryable, SagaInstance } from './store';

export interface PostgresStoreOptions {
  /** postgres://user[:password]@host:port/database */
  url: string;
  /** The bundle's own schema (default `evento_bundle`); the SDK's migrations create its tables there. */
  schema?: string;
  /** Pool size for handler transactions (default 5); the locks use one more connection. */
  poolSize?: number;
}

/** The SDK's migrations, in order; each runs once per schema, under a lock. */
const MIGRATIONS: Array<(s: string) => string> = [
  (s) => `
    CREATE TABLE ${s}.consumer_checkpoint (
      consumer_id text PRIMARY KEY,
      cursor text NOT NULL,
      position bigint NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE ${s}.dead_event (
      consumer_id text NOT NULL,
      position bigint NOT NULL,
      event jsonb NOT NULL,
      error_name text NOT NULL,
      error_message text NOT NULL,
      attempts integer NOT NULL,
      failed_at timestamptz NOT NULL DEFAULT now(),
      retry boolean NOT NULL DEFAULT false,
      PRIMARY KEY (consumer_id, position)
    );
    CREATE TABLE ${s}.saga_state (
      id bigserial PRIMARY KEY,
      saga_name text NOT NULL,
      state jsonb NOT NULL,
      associations jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX saga_state_associations ON ${s}.saga_state USING gin (associations);`,
];

/**
 * Consumer state in the bundle's own Postgres schema. Each consumer's lock is a session
 * advisory lock held on one dedicated connection: when this process dies the connection goes
 * and the lock with it, so a standby instance takes over.
 */
export class PostgresConsumerStore implements ConsumerStore {
  readonly schema: string;
  readonly pool: Pool;
  private lockClient?: Client;
  private lockClientReady?: Promise<Client>;
  private readonly held = new Set<string>();
  /** The lock connection runs one query at a time (pg would queue them, with a warning). */
  private lockQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'evento_bundle';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new Error('schema must be a lower-case SQL identifier');
    this.pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 5 });
    // An idle client's error (the server went away) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  private get s(): string {
    return `"${this.schema}"`;
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`evento-sdk-migrations:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.s}.sdk_migration (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(
        `SELECT max(version) AS version FROM ${this.s}.sdk_migration`,
      );
      for (let version = (rows[0]?.version ?? 0) + 1; version <= MIGRATIONS.length; version += 1) {
        await client.query(MIGRATIONS[version - 1](this.s));
        await client.query(`INSERT INTO ${this.s}.sdk_migration (version) VALUES ($1)`, [version]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    this.held.clear();
    await this.lockClient?.end().catch(() => undefined);
    this.lockClient = undefined;
    this.lockClientReady = undefined;
    await this.pool.end().catch(() => undefined);
  }

  /** Drops every connection at once, as a crash would (the locks go with them). For tests. */
  async abort(): Promise<void> {
    this.held.clear();
    type Socketed = { connection?: { stream?: { destroy(): void } } };
    // Cut every socket, as a killed process would: open transactions roll back, locks go.
    (this.lockClient as unknown as Socketed | undefined)?.connection?.stream?.destroy();
    for (const client of (this.pool as unknown as { _clients?: Socketed[] })._clients ?? []) {
      client.connection?.stream?.destroy();
    }
    this.lockClient = undefined;
    this.lockClientReady = undefined;
    await this.pool.end().catch(() => undefined);
  }

  private lockConnection(): Promise<Client> {
    if (!this.lockClientReady) {
      // keepAlive: a silently dead connection is noticed (and its locks given up) sooner.
      const client = new Client({ connectionString: this.options.url, keepAlive: true });
      const lost = () => {
        // Every lock went with the connection.
        this.held.clear();
        if (this.lockClient === client) {
          this.lockClient = undefined;
          this.lockClientReady = undefined;
        }
      };
      client.on('error', lost);
      client.on('end', lost);
      this.lockClientReady = client.connect().then(
        () => {
          this.lockClient = client;
          return client;
        },
        (error: unknown) => {
          this.lockClientReady = undefined;
          throw error;
        },
      );
    }
    return this.lockClientReady;
  }

  private onLockConnection<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const next = this.lockQueue.then(async () => work(await this.lockConnection()));
    this.lockQueue = next.catch(() => undefined);
    return next;
  }

  async tryLock(consumerId: string): Promise<boolean> {
    if (this.held.has(consumerId)) return true;
    return this.onLockConnection(async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('evento-consumer'), hashtext($1)) AS locked",
        [consumerId],
      );
      if (rows[0]?.locked) this.held.add(consumerId);
      return this.held.has(consumerId);
    });
  }

  holdsLock(consumerId: string): boolean {
    return this.held.has(consumerId);
  }

  async unlock(consumerId: string): Promise<void> {
    if (!this.held.delete(consumerId) || !this.lockClient) return;
    await this.onLockConnection((client) =>
      client.query("SELECT pg_advisory_unlock(hashtext('evento-consumer'), hashtext($1))", [consumerId]),
    ).catch(() => undefined);
  }

  async checkpoint(consumerId: string): Promise<Checkpoint | null> {
    const { rows } = await this.pool.query<{ cursor: string; position: string; enabled: boolean }>(
      `SELECT cursor, position::text AS position, enabled FROM ${this.s}.consumer_checkpoint WHERE consumer_id = $1`,
      [consumerId],
    );
    return rows[0] ?? null;
  }

  async createCheckpoint(consumerId: string, cursor: string, position: string): Promise<Checkpoint> {
    await this.pool.query(
      `INSERT INTO ${this.s}.consumer_checkpoint (consumer_id, cursor, position) VALUES ($1, $2, $3) ON CONFLICT (consumer_id) DO NOTHING`,
      [consumerId, cursor, position],
    );
    return (await this.checkpoint(consumerId))!;
  }

  async resetCheckpoint(consumerId: string, cursor: string): Promise<void> {
    const position = cursor.includes(':') ? cursor.split(':')[1] : cursor || '0';
    await this.pool.query(
      `INSERT INTO ${this.s}.consumer_checkpoint (consumer_id, cursor, position) VALUES ($1, $2, $3)
       ON CONFLICT (consumer_id) DO UPDATE SET cursor = $2, position = $3, updated_at = now()`,
      [consumerId, cursor, position],
    );
  }

  async advance(
    consumerId: string,
    from: string,
    to: { cursor: string; position: string },
    work: (tx: Queryable | undefined) => Promise<void>,
  ): Promise<boolean> {
    return this.transaction(async (client) => {
      const moved = await client.query(
        `UPDATE ${this.s}.consumer_checkpoint SET cursor = $3, position = $4, updated_at = now()
         WHERE consumer_id = $1 AND cursor = $2`,
        [consumerId, from, to.cursor, to.position],
      );
      if (moved.rowCount !== 1) return false;
      await work(client);
      return true;
    });
  }

  async inUnit(work: (tx: Queryable | undefined) => Promise<void>): Promise<void> {
    await this.transaction(async (client) => {
      await work(client);
      return true;
    });
  }

  /** Runs `work` in a transaction; a false result rolls it back. */
  private async transaction(work: (client: PoolClient) => Promise<boolean>): Promise<boolean> {
    const client = await this.pool.connect();
    let broken = false;
    // A connection lost mid-transaction emits 'error' on the client: the query fails and the
    // caller retries; without a listener it would crash the process instead.
    const lost = () => {
      broken = true;
    };
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const keep = await work(client);
      await client.query(keep ? 'COMMIT' : 'ROLLBACK');
      return keep;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  async addDead(dead: DeadEvent, tx?: Queryable): Promise<void> {
    await (tx ?? this.pool).query(
      `INSERT INTO ${this.s}.dead_event (consumer_id, position, event, error_name, error_message, attempts, retry)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (consumer_id, position) DO UPDATE
         SET error_name = $4, error_message = $5, attempts = ${this.s}.dead_event.attempts + $6, failed_at = now(), retry = $7`,
      [
        dead.consumerId,
        dead.position,
        JSON.stringify(dead.event),
        dead.errorName,
        dead.errorMessage,
        dead.attempts,
        dead.retry,
      ],
    );
  }

  async deadEvents(consumerId: string, limit = 100): Promise<DeadEvent[]> {
    const { rows } = await this.pool.query<{
      position: string;
      event: StoredEvent;
      error_name: string;
      error_message: string;
      attempts: number;
      failed_at: Date;
      retry: boolean;
    }>(
      `SELECT position::text AS position, event, error_name, error_message, attempts, failed_at, retry
       FROM ${this.s}.dead_event WHERE consumer_id = $1 ORDER BY position LIMIT $2`,
      [consumerId, limit],
    );
    return rows.map((row) => ({
      consumerId,
      position: row.position,
      event: row.event,
      errorName: row.error_name,
      errorMessage: row.error_message,
      attempts: row.attempts,
      failedAt: row.failed_at.toISOString(),
      retry: row.retry,
    }));
  }

  async deadCount(consumerId: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(
      `SELECT count(*) AS count FROM ${this.s}.dead_event WHERE consumer_id = $1`,
      [consumerId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  async setRetry(consumerId: string, position: string, retry: boolean): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.s}.dead_event SET retry = $3 WHERE consumer_id = $1 AND position = $2`,
      [consumerId, position, retry],
    );
    return result.rowCount === 1;
  }

  async deleteDead(consumerId: string, position: string, tx?: Queryable): Promise<boolean> {
    const result = await (tx ?? this.pool).query(
      `DELETE FROM ${this.s}.dead_event WHERE consumer_id = $1 AND position = $2`,
      [consumerId, position],
    );
    return result.rowCount === 1;
  }

  async findSaga(sagaName: string, property: string, value: string, tx?: Queryable): Promise<SagaInstance | null> {
    const { rows } = await (tx ?? this.pool).query<{
      id: string;
      state: Record<string, unknown>;
      associations: Record<string, string>;
    }>(
      `SELECT id::text AS id, state, associations FROM ${this.s}.saga_state
       WHERE saga_name = $1 AND associations @> jsonb_build_object($2::text, $3::text)
       ORDER BY id LIMIT 1 FOR UPDATE`,
      [sagaName, property, value],
    );
    const row = rows[0];
    return row ? { id: row.id, sagaName, state: row.state, associations: row.associations } : null;
  }

  async saveSaga(instance: Omit<SagaInstance, 'id'> & { id?: string }, ended: boolean, tx?: Queryable): Promise<void> {
    const db = tx ?? this.pool;
    if (instance.id && ended) {
      await db.query(`DELETE FROM ${this.s}.saga_state WHERE id = $1`, [instance.id]);
    } else if (instance.id) {
      await db.query(
        `UPDATE ${this.s}.saga_state SET state = $2, associations = $3, updated_at = now() WHERE id = $1`,
        [instance.id, JSON.stringify(instance.state), JSON.stringify(instance.associations)],
      );
    } else if (!ended) {
      await db.query(`INSERT INTO ${this.s}.saga_state (saga_name, state, associations) VALUES ($1, $2, $3)`, [
        instance.sagaName,
        JSON.stringify(instance.state),
        JSON.stringify(instance.associations),
      ]);
    }
  }
}
