/**
 * SQL for conversions a column alias cannot do, so repositories select rows already in the
 * shape of their domain types (camelCase aliases, `"bundle_id" AS "bundleId"`) and map nothing
 * in JavaScript.
 */

/**
 * A timestamptz as `Date.prototype.toISOString()` writes it (UTC, milliseconds truncated, `Z`):
 * `2026-11-22T10:04:05.123Z`; NULL stays NULL. `expression` is trusted SQL, never input.
 */
export function isoTimestamp(expression: string): string {
  return `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A timestamptz as milliseconds since the epoch (`Date.prototype.getTime()`), a float8; NULL stays NULL. */
export function epochMs(expression: string): string {
  return `floor(extract(epoch FROM (${expression})) * 1000)::float8`;
}
