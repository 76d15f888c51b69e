import type { OrderingMode, StoredEvent } from '@evento/contracts';
import { isoTimestamp } from '@evento/platform';

/**
 * An events row as the repository selects it: the stored event as the protocol sends it, and
 * `size`, an upper bound of the event's JSON size in a reply, to bound replies without
 * re-serialising.
 */
export type EventRow = StoredEvent & { size: number };

/** A row's reader cursor, in SQL: the text formatCursor (./cursor.ts) writes for the mode. */
export function cursorSql(mode: OrderingMode): string {
  return mode === 'CPES' ? 'position::text' : `tx_id::text || ':' || position::text`;
}

/**
 * `size`: payload, metadata, ids and names as stored (names never need escaping), plus 300 for
 * the keys, positions, cursor, version and dates (at most 276 bytes).
 */
function eventColumns(mode: OrderingMode): string {
  return `position::text AS "position", ${cursorSql(mode)} AS "cursor", event_id AS "eventId",
  aggregate_id AS "aggregateId", aggregate_version AS "aggregateVersion", context, event_name AS "eventName",
  payload, metadata, ${isoTimestamp('created_at')} AS "createdAt", ${isoTimestamp('deleted_at')} AS "deletedAt",
  (octet_length(payload::text) + octet_length(metadata::text) + octet_length(event_id)
    + coalesce(octet_length(aggregate_id), 0) + octet_length(context) + octet_length(event_name) + 300) AS size`;
}

/** The select list of an EventRow, per ordering mode. */
export const EVENT_COLUMNS: Readonly<Record<OrderingMode, string>> = {
  CPES: eventColumns('CPES'),
  APES: eventColumns('APES'),
};

/** The rows' events, in order, while they fit the byte budget (always at least one). */
export function eventsWithinBytes(rows: EventRow[], maxBytes: number): StoredEvent[] {
  let total = 0;
  const kept: StoredEvent[] = [];
  for (const { size, ...event } of rows) {
    total += size;
    if (kept.length > 0 && total > maxBytes) break;
    kept.push(event);
  }
  return kept;
}
