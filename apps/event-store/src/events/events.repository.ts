import type { AppendRequest, DeleteAggregateResponse, OrderingMode, SnapshotBody } from '@evento/contracts';
import { isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Cursor } from './cursor';
import { cursorSql, EVENT_COLUMNS, type EventRow } from './event-row';

export type AppendResult =
  | { status: 'ok'; positions: string[]; version: number }
  | { status: 'duplicate'; positions: string[]; version: number; txId: string }
  | { status: 'conflict'; actual: number; deleted: boolean; reason: string };

export interface BatchOutcome {
  results: AppendResult[];
  txId: string | null;
}

export interface ReadFilter {
  context?: string;
  eventNames?: string[];
}

export interface SearchFilter extends ReadFilter {
  aggregateId?: string;
  eventName?: string;
  fromPosition?: string;
  toPosition?: string;
  from?: string;
  to?: string;
  text?: string;
}

export interface AggregateRow {
  version: number;
  /** ISO 8601, null while the aggregate is not deleted. */
  deletedAt: string | null;
  deletedBy: string | null;
}

/** A deletion mark: the response to a delete but for the aggregate id. */
export type DeletionRow = Omit<DeleteAggregateResponse, 'aggregateId'>;

/** Columns of a deletion mark of `aggregates`, without deletedNow. */
const DELETION_COLUMNS = `version, ${isoTimestamp('deleted_at')} AS "deletedAt", deleted_by AS "deletedBy"`;

function isEventIdRace(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
  return driverError?.code === '23505' && driverError.constraint === 'events_event_id_key';
}

/**
 * True when no aggregate id and no event id appears twice in the batch: append_batch can then
 * write it set-based without checking that itself.
 */
function isPlainBatch(requests: AppendRequest[]): boolean {
  const aggregateIds = new Set<string>();
  const eventIds = new Set<string>();
  let withAggregate = 0;
  let events = 0;
  for (const request of requests) {
    if (typeof request.aggregateId === 'string') {
      aggregateIds.add(request.aggregateId);
      withAggregate += 1;
    }
    for (const event of request.events) eventIds.add(event.eventId);
    events += request.events.length;
  }
  return aggregateIds.size === withAggregate && eventIds.size === events;
}

/** The only place that touches the event_store tables. */
@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Appends a whole batch in one statement, hence one transaction: acknowledged means
   * committed. `serialized` takes the cluster-wide lock (CPES).
   */
  async appendBatch(requests: AppendRequest[], serialized: boolean): Promise<BatchOutcome> {
    const plain = isPlainBatch(requests);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const rows = await this.db.query<Array<{ outcome: BatchOutcome }>>(
          `SELECT "event_store"."append_batch"(p_requests => $1::jsonb, p_serialized => $2, p_plain => $3) AS outcome`,
          [JSON.stringify(requests), serialized, plain],
        );
        return rows[0].outcome;
      } catch (error) {
        // Another replica stored the same event id between our check and our insert (a retry
        // racing its original). The statement rolled back whole; run again and it answers
        // with the stored result.
        if (attempt >= 3 || !isEventIdRace(error)) throw error;
      }
    }
  }

  async read(after: Cursor, filter: ReadFilter, limit: number, mode: OrderingMode): Promise<EventRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (mode === 'CPES') {
      params.push(after.position);
      where.push(`position > $${params.length}::bigint`);
    } else {
      params.push(after.txId, after.position);
      where.push(`(tx_id, position) > ($${params.length - 1}::text::xid8, $${params.length}::bigint)`);
      // Only rows whose writing transactions, and every older one, have finished.
      where.push('tx_id < pg_snapshot_xmin(pg_current_snapshot())');
    }
    this.addReadFilter(filter, where, params);
    params.push(limit);
    // Qualified: a bare `position` would name the text output column and sort "10" before "9".
    const order = mode === 'CPES' ? 'events.position' : 'events.tx_id, events.position';
    return this.db.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS[mode]} FROM "event_store"."events" WHERE ${where.join(' AND ')}
       ORDER BY ${order} LIMIT $${params.length}`,
      params,
    );
  }

  /** The newest readable event's position and reader cursor. */
  async head(filter: ReadFilter, mode: OrderingMode): Promise<{ position: string; cursor: string } | undefined> {
    const params: unknown[] = [];
    const where: string[] = ['true'];
    if (mode === 'APES') where.push('tx_id < pg_snapshot_xmin(pg_current_snapshot())');
    this.addReadFilter(filter, where, params);
    const order = mode === 'CPES' ? 'events.position DESC' : 'events.tx_id DESC, events.position DESC';
    const rows = await this.db.query<Array<{ position: string; cursor: string }>>(
      `SELECT position::text AS "position", ${cursorSql(mode)} AS "cursor" FROM "event_store"."events"
       WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT 1`,
      params,
    );
    return rows[0];
  }

  /**
   * The version is the newest in the log; `aggregates` only holds deletion marks. Undefined
   * when the aggregate has neither events nor a mark.
   */
  async aggregate(aggregateId: string): Promise<AggregateRow | undefined> {
    const rows = await this.db.query<AggregateRow[]>(
      `SELECT coalesce(v.version, a.version) AS version, ${isoTimestamp('a.deleted_at')} AS "deletedAt",
              a.deleted_by AS "deletedBy"
         FROM (SELECT max(aggregate_version) AS version FROM "event_store"."events" WHERE aggregate_id = $1) v
         LEFT JOIN "event_store"."aggregates" a ON a.aggregate_id = $1 AND a.deleted_at IS NOT NULL
        WHERE v.version IS NOT NULL OR a.aggregate_id IS NOT NULL`,
      [aggregateId],
    );
    return rows[0];
  }

  async aggregateEvents(
    aggregateId: string,
    afterVersion: number,
    limit: number,
    mode: OrderingMode,
  ): Promise<EventRow[]> {
    return this.db.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS[mode]} FROM "event_store"."events"
       WHERE aggregate_id = $1 AND aggregate_version > $2 ORDER BY aggregate_version LIMIT $3`,
      [aggregateId, afterVersion, limit],
    );
  }

  async snapshot(aggregateId: string): Promise<SnapshotBody | undefined> {
    const rows = await this.db.query<SnapshotBody[]>(
      `SELECT version, state, ${isoTimestamp('updated_at')} AS "updatedAt" FROM "event_store"."snapshots"
        WHERE aggregate_id = $1`,
      [aggregateId],
    );
    return rows[0];
  }

  /**
   * Stores the snapshot unless one at the same or a newer version is there; returns the version
   * kept. Saves of one aggregate take turns: without the lock, a save racing a newer one reads
   * the row as it was when its statement began, and answers with no row or a stale version.
   */
  async saveSnapshot(
    aggregateId: string,
    version: number,
    state: Record<string, unknown>,
  ): Promise<{ stored: boolean; version: number }> {
    return this.db.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`evento:snapshot:${aggregateId}`]);
      const rows = await manager.query<Array<{ stored: boolean; version: number }>>(
        `WITH upsert AS (
         INSERT INTO "event_store"."snapshots" (aggregate_id, version, state) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (aggregate_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, updated_at = now()
         WHERE "event_store"."snapshots".version < EXCLUDED.version
         RETURNING version)
       SELECT true AS stored, version FROM upsert
       UNION ALL
       SELECT false, version FROM "event_store"."snapshots" WHERE aggregate_id = $1 AND NOT EXISTS (SELECT 1 FROM upsert)`,
        [aggregateId, version, JSON.stringify(state)],
      );
      return rows[0];
    });
  }

  /**
   * Marks the aggregate, its events and its snapshot deleted, under the same lock appends
   * take, so no append slips in between. Returns undefined when the aggregate is unknown.
   */
  async markDeleted(
    aggregateId: string,
    deletedBy: string,
    reason: string | undefined,
    serialized: boolean,
  ): Promise<DeletionRow | undefined> {
    return this.db.transaction(async (manager) => {
      const lockKey = serialized ? 'evento:event-store:append' : aggregateId;
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey]);
      // The mark records the version the log holds; no row comes back for an aggregate without
      // events, or one already marked.
      const [row] = await manager.query<Array<Omit<DeletionRow, 'deletedNow'>>>(
        `INSERT INTO "event_store"."aggregates" (aggregate_id, version, deleted_at, deleted_by, delete_reason)
         SELECT $1, max(aggregate_version), now(), $2, $3 FROM "event_store"."events" WHERE aggregate_id = $1
         HAVING max(aggregate_version) IS NOT NULL
         ON CONFLICT (aggregate_id) DO UPDATE
           SET version = EXCLUDED.version, updated_at = now(), deleted_at = EXCLUDED.deleted_at,
               deleted_by = EXCLUDED.deleted_by, delete_reason = EXCLUDED.delete_reason
         WHERE "event_store"."aggregates".deleted_at IS NULL
         RETURNING ${DELETION_COLUMNS}`,
        [aggregateId, deletedBy, reason ?? null],
      );
      if (!row) {
        const existing = await manager.query<Array<Omit<DeletionRow, 'deletedNow'>>>(
          `SELECT ${DELETION_COLUMNS} FROM "event_store"."aggregates"
           WHERE aggregate_id = $1 AND deleted_at IS NOT NULL`,
          [aggregateId],
        );
        return existing[0] ? { ...existing[0], deletedNow: false } : undefined;
      }
      // now() is the transaction's start, so the same instant as the mark's deleted_at.
      await manager.query('UPDATE "event_store"."events" SET deleted_at = now() WHERE aggregate_id = $1', [
        aggregateId,
      ]);
      await manager.query('UPDATE "event_store"."snapshots" SET deleted_at = now() WHERE aggregate_id = $1', [
        aggregateId,
      ]);
      return { ...row, deletedNow: true };
    });
  }

  async search(
    filter: SearchFilter,
    offset: number,
    limit: number,
    order: 'asc' | 'desc',
    mode: OrderingMode,
  ): Promise<{ rows: EventRow[]; total: number }> {
    const params: unknown[] = [];
    const where: string[] = ['true'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.aggregateId) add('aggregate_id = ?', filter.aggregateId);
    if (filter.eventName) add('event_name = ?', filter.eventName);
    if (filter.context) add('context = ?', filter.context);
    if (filter.fromPosition) add('position >= ?::bigint', filter.fromPosition);
    if (filter.toPosition) add('position <= ?::bigint', filter.toPosition);
    if (filter.from) add('created_at >= ?::timestamptz', filter.from);
    if (filter.to) add('created_at < ?::timestamptz', filter.to);
    if (filter.text) add(`payload::text ILIKE ? ESCAPE '\\'`, `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const whereSql = where.join(' AND ');
    const counted = await this.db.query<Array<{ total: number }>>(
      `SELECT count(*)::int AS total FROM "event_store"."events" WHERE ${whereSql}`,
      params,
    );
    const rows = await this.db.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS[mode]} FROM "event_store"."events" WHERE ${whereSql}
       ORDER BY events.position ${order === 'desc' ? 'DESC' : 'ASC'} OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, offset, limit],
    );
    return { rows, total: counted[0].total };
  }

  private addReadFilter(filter: ReadFilter, where: string[], params: unknown[]): void {
    if (filter.context && filter.context !== '*') {
      params.push(filter.context);
      where.push(`context = $${params.length}`);
    }
    if (filter.eventNames && filter.eventNames.length > 0) {
      params.push(filter.eventNames);
      where.push(`event_name = ANY($${params.length}::text[])`);
    }
  }
}
