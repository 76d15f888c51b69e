import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group commit spent most of its time in append_batch looping over requests one statement at
 * a time (about 180 µs each). The common batch (distinct aggregates, no retried event ids) is
 * now written with one INSERT for all its events and one upsert for all its aggregates. Batches
 * that need request-by-request semantics (the same aggregate twice, retried or repeated event
 * ids) still go through the original function, renamed append_batch_sequential.
 */
export class SetBasedAppend1763800000200 implements MigrationInterface {
  name = 'SetBasedAppend1763800000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION "event_store"."append_batch"(jsonb, boolean) RENAME TO "append_batch_sequential"`);
    await q.query(SET_BASED_APPEND);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION "event_store"."append_batch"(jsonb, boolean)`);
    await q.query(`ALTER FUNCTION "event_store"."append_batch_sequential"(jsonb, boolean) RENAME TO "append_batch"`);
  }
}

export const SET_BASED_APPEND = `
CREATE FUNCTION "event_store"."append_batch"(p_requests jsonb, p_serialized boolean)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  lock_key bigint;
  n_events integer;
  n_event_ids integer;
  n_aggregate_requests integer;
  n_aggregates integer;
  outcome jsonb;
BEGIN
  SELECT count(*), count(DISTINCT e->>'eventId') INTO n_events, n_event_ids
    FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'events') e;
  SELECT count(r->>'aggregateId'), count(DISTINCT r->>'aggregateId') INTO n_aggregate_requests, n_aggregates
    FROM jsonb_array_elements(p_requests) r;
  IF n_events <> n_event_ids OR n_aggregate_requests <> n_aggregates THEN
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

  WITH requests AS (
    SELECT ord AS idx, r->>'aggregateId' AS agg, coalesce(r->>'expectedVersion', 'any') AS expected, r->'events' AS events
      FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS t(r, ord)
  ), verdicts AS (
    SELECT q.idx, q.agg, q.events, coalesce(a.version, 0) AS cur, a.deleted_at IS NOT NULL AS deleted,
           CASE
             WHEN q.agg IS NULL THEN NULL
             WHEN a.deleted_at IS NOT NULL THEN 'the aggregate is deleted'
             WHEN q.expected = 'none' AND coalesce(a.version, 0) > 0 THEN 'the aggregate is not at the expected version'
             WHEN q.expected NOT IN ('any', 'none') AND q.expected::integer <> coalesce(a.version, 0)
               THEN 'the aggregate is not at the expected version'
           END AS conflict
      FROM requests q LEFT JOIN "event_store"."aggregates" a ON a.aggregate_id = q.agg
  ), inserted AS (
    INSERT INTO "event_store"."events"
      (event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
    SELECT e->>'eventId', v.agg,
           CASE WHEN v.agg IS NULL THEN NULL ELSE v.cur + eo::integer END,
           coalesce(e->>'context', 'default'), e->>'eventName', e->'payload', coalesce(e->'metadata', '{}'::jsonb)
      FROM verdicts v, jsonb_array_elements(v.events) WITH ORDINALITY AS x(e, eo)
     WHERE v.conflict IS NULL
     ORDER BY v.idx, eo
    RETURNING position, event_id
  ), upserted AS (
    INSERT INTO "event_store"."aggregates" (aggregate_id, version)
    SELECT v.agg, v.cur + jsonb_array_length(v.events) FROM verdicts v WHERE v.agg IS NOT NULL AND v.conflict IS NULL
    ON CONFLICT (aggregate_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
  ), positions AS (
    SELECT v.idx, array_agg(i.position ORDER BY i.position) AS stored
      FROM verdicts v, jsonb_array_elements(v.events) x(e), inserted i
     WHERE i.event_id = x.e->>'eventId'
     GROUP BY v.idx
  )
  SELECT jsonb_agg(
           CASE WHEN v.conflict IS NULL THEN jsonb_build_object(
                  'status', 'ok', 'positions', to_jsonb(p.stored::text[]),
                  'version', CASE WHEN v.agg IS NULL THEN 0 ELSE v.cur + jsonb_array_length(v.events) END)
                ELSE jsonb_build_object(
                  'status', 'conflict', 'actual', v.cur, 'deleted', v.deleted, 'reason', v.conflict)
           END ORDER BY v.idx)
    INTO outcome
    FROM verdicts v LEFT JOIN positions p ON p.idx = v.idx;

  RETURN jsonb_build_object('results', coalesce(outcome, '[]'::jsonb), 'txId', pg_current_xact_id_if_assigned()::text);
END
$fn$`;
