import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SET_BASED_APPEND } from './1763800000200-SetBasedAppend';

/**
 * The set-based append_batch cost about 3x a plain multi-row INSERT of the same rows. Most of
 * the excess was work around the INSERT, not in it:
 * - two count(DISTINCT) passes over the batch to decide whether it can be written set-based;
 *   the caller now says so (`p_plain`), since it sees the repeated ids for free;
 * - joining the inserted rows back to their requests by event id to answer with positions; the
 *   positions are now drawn with nextval in (request, event) order before the INSERT, which
 *   writes them explicitly, and the answer is built from those rows.
 * The two-argument form stays, for callers that do not say: it checks the batch itself.
 */
export class LeanAppend1763800000300 implements MigrationInterface {
  name = 'LeanAppend1763800000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(LEAN_APPEND);
    await q.query(CHECKING_APPEND);
  }

  async down(q: QueryRunner): Promise<void> {
    // 1763800000200's append_batch.
    await q.query(SET_BASED_APPEND.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(`DROP FUNCTION "event_store"."append_batch"(jsonb, boolean, boolean)`);
  }
}

/**
 * append_batch(requests, serialized, plain): as before, for a batch the caller has checked.
 * `plain` means no aggregate id and no event id appears twice in the batch; when false, the
 * batch goes request by request. A batch wrongly called plain fails on the unique keys
 * (event id, aggregate version) and writes nothing.
 */
export const LEAN_APPEND = `
CREATE FUNCTION "event_store"."append_batch"(p_requests jsonb, p_serialized boolean, p_plain boolean)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  lock_key bigint;
  outcome jsonb;
BEGIN
  IF NOT p_plain THEN
    RETURN "event_store"."append_batch_sequential"(p_requests, p_serialized);
  END IF;

  -- Locks before any write, so this transaction's xid is assigned only once it holds them.
  IF p_serialized THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('evento:event-store:append', 0));
  ELSE
    FOR lock_key IN
      SELECT DISTINCT hashtextextended(x->>'aggregateId', 0)
      FROM jsonb_array_elements(p_requests) x
      WHERE x->>'aggregateId' IS NOT NULL
      ORDER BY 1
    LOOP
      PERFORM pg_advisory_xact_lock(lock_key);
    END LOOP;
  END IF;

  -- A retry among them: the sequential path answers duplicates request by request.
  IF EXISTS (
    SELECT 1 FROM "event_store"."events"
    WHERE event_id IN (SELECT e->>'eventId' FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'events') e)
  ) THEN
    RETURN "event_store"."append_batch_sequential"(p_requests, p_serialized);
  END IF;

  WITH verdicts AS MATERIALIZED (
    SELECT q.idx, q.agg, q.events, coalesce(a.version, 0) AS cur, a.deleted_at IS NOT NULL AS deleted,
           CASE
             WHEN q.agg IS NULL THEN NULL
             WHEN a.deleted_at IS NOT NULL THEN 'the aggregate is deleted'
             WHEN q.expected = 'none' AND coalesce(a.version, 0) > 0 THEN 'the aggregate is not at the expected version'
             WHEN q.expected NOT IN ('any', 'none') AND q.expected::integer <> coalesce(a.version, 0)
               THEN 'the aggregate is not at the expected version'
           END AS conflict
      FROM (SELECT ord AS idx, r->>'aggregateId' AS agg, coalesce(r->>'expectedVersion', 'any') AS expected,
                   r->'events' AS events
              FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS t(r, ord)) q
      LEFT JOIN "event_store"."aggregates" a ON a.aggregate_id = q.agg
  ), staged AS MATERIALIZED (
    -- nextval runs after the sort, so positions ascend in (request, event) order.
    SELECT v.idx, x.eo, nextval('"event_store"."events_position_seq"') AS position, x.e, v.agg, v.cur
      FROM verdicts v, jsonb_array_elements(v.events) WITH ORDINALITY AS x(e, eo)
     WHERE v.conflict IS NULL
     ORDER BY v.idx, x.eo
  ), inserted AS (
    INSERT INTO "event_store"."events"
      (position, event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
    SELECT s.position, s.e->>'eventId', s.agg, CASE WHEN s.agg IS NULL THEN NULL ELSE s.cur + s.eo::integer END,
           coalesce(s.e->>'context', 'default'), s.e->>'eventName', s.e->'payload', coalesce(s.e->'metadata', '{}'::jsonb)
      FROM staged s
  ), upserted AS (
    INSERT INTO "event_store"."aggregates" (aggregate_id, version)
    SELECT v.agg, v.cur + jsonb_array_length(v.events) FROM verdicts v WHERE v.agg IS NOT NULL AND v.conflict IS NULL
    ON CONFLICT (aggregate_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
  ), positions AS (
    SELECT s.idx, array_agg(s.position::text ORDER BY s.eo) AS stored FROM staged s GROUP BY s.idx
  )
  SELECT jsonb_agg(
           CASE WHEN v.conflict IS NULL THEN jsonb_build_object(
                  'status', 'ok', 'positions', to_jsonb(p.stored),
                  'version', CASE WHEN v.agg IS NULL THEN 0 ELSE v.cur + jsonb_array_length(v.events) END)
                ELSE jsonb_build_object(
                  'status', 'conflict', 'actual', v.cur, 'deleted', v.deleted, 'reason', v.conflict)
           END ORDER BY v.idx)
    INTO outcome
    FROM verdicts v LEFT JOIN positions p ON p.idx = v.idx;

  RETURN jsonb_build_object('results', coalesce(outcome, '[]'::jsonb), 'txId', pg_current_xact_id_if_assigned()::text);
END
$fn$`;

/** The two-argument form checks the batch itself, for callers that do not say whether it is plain. */
export const CHECKING_APPEND = `
CREATE OR REPLACE FUNCTION "event_store"."append_batch"(p_requests jsonb, p_serialized boolean)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  n_events integer;
  n_event_ids integer;
  n_aggregate_requests integer;
  n_aggregates integer;
BEGIN
  SELECT count(*), count(DISTINCT e->>'eventId') INTO n_events, n_event_ids
    FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'events') e;
  SELECT count(r->>'aggregateId'), count(DISTINCT r->>'aggregateId') INTO n_aggregate_requests, n_aggregates
    FROM jsonb_array_elements(p_requests) r;
  RETURN "event_store"."append_batch"(p_requests, p_serialized,
    n_events = n_event_ids AND n_aggregate_requests = n_aggregates);
END
$fn$`;
