import type { OrderingMode, StoredEvent } from '@evento/contracts';
import { formatCursor } from './cursor';

/** An events row as the repository selects it. */
export interface EventRow {
  position: string;
  tx_id: string;
  event_id: string;
  aggregate_id: string | null;
  aggregate_version: number | null;
  context: string;
  event_name: string;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date;
  deleted_at: Date | null;
  /** Upper bound of the event's JSON size in a reply, to bound replies without re-serialising. */
  size: number;
}

/**
 * `size`: payload, metadata, ids and names as stored (names never need escaping), plus 300 for
 * the keys, positions, cursor, version and dates (at most 276 bytes).
 */
export const EVENT_COLUMNS = `position::text AS position, tx_id::text AS tx_id, event_id, aggregate_id,
  aggregate_version, context, event_name, payload, metadata, created_at, deleted_at,
  (octet_length(payload::text) + octet_length(metadata::text) + octet_length(event_id)
    + coalesce(octet_length(aggregate_id), 0) + octet_length(context) + octet_length(event_name) + 300) AS size`;

export function toStoredEvent(row: EventRow, mode: OrderingMode): StoredEvent {
  return {
    position: row.position,
    cursor: formatCursor(mode, row.tx_id, row.position),
    eventId: row.event_id,
    aggregateId: row.aggregate_id,
    aggregateVersion: row.aggregate_version,
    context: row.context,
    eventName: row.event_name,
    payload: row.payload,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
    deletedAt: row.deleted_at ? row.deleted_at.toISOString() : null,
  };
}

/** Keeps rows in order while they fit the byte budget (always at least one). */
export function withinBytes<T extends { size: number }>(rows: T[], maxBytes: number): T[] {
  let total = 0;
  const kept: T[] = [];
  for (const row of rows) {
    total += Number(row.size);
    if (kept.length > 0 && total > maxBytes) break;
    kept.push(row);
  }
  return kept;
}
