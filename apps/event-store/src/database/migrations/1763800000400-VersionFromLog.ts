import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APPEND_FUNCTION } from './1763800000100-CreateEventLog';
import { LEAN_APPEND } from './1763800000300-LeanAppend';

/**
 * Every append upserted its aggregate's row in `aggregates` to keep the current version there:
 * a second write, and a row lock, per request, about a third of append_batch's cost. The log
 * already holds that version: the newest (aggregate_id, aggregate_version) in the events'
 * unique index. Appends read it there after taking their locks (the global one in CPES, the
 * aggregate's in APES) in a statement of their own, so with a fresh snapshot that sees every
 * committed append; the unique index still refuses a version written twice.
 *
 * `aggregates` now only holds deletion marks (the version at deletion, who, when, why). Rows
 * without a mark are dropped; down() rebuilds them from the log.
 */
export class VersionFromLog1763800000400 implements MigrationInterface {
  name = 'VersionFromLog1763800000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_FROM_LOG);
    await q.query(SEQUENTIAL_FROM_LOG);
    await q.query(`DELETE FROM "event_store"."aggregates" WHERE deleted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // 1763800000300's append_batch(jsonb, boolean, boolean), and 1763800000100's append function
    // (renamed append_batch_sequential by 1763800000200).
    await q.query(LEAN_APPEND.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(
      APPEND_FUNCTION.replace(
        'CREATE FUNCTION "event_store"."append_batch"(',
        'CREATE OR REPLACE FUNCTION "event_store"."append_batch_sequential"(',
      ),
    );
    await q.query(`
      INSERT INTO "event_store"."aggregates" (aggregate_id, version)
      SELECT aggregate_id, max(aggregate_version) FROM "event_store"."events"
       WHERE aggregate_id IS NOT NULL GROUP BY aggregate_id
      ON CONFLICT (aggregate_id) DO NOTHING`);
  }
}

/** append_batch(requests, serialized, plain) of 1763800000300, with the version read from the log. */
export const APPEND_FROM_LOG = `
CREATE OR REPLACE FUNCTION "event_store"."append_batch"(p_requests jsonb, p_serialized boolean, p_plain boolean)
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
    SELECT q.idx, q.agg, q.events, coalesce(lv.version, 0) AS cur, a.deleted_at IS NOT NULL AS deleted,
           CASE
             WHEN q.agg IS NULL THEN NULL
             WHEN a.deleted_at IS NOT NULL THEN 'the aggregate is deleted'
             WHEN q.expected = 'none' AND coalesce(lv.version, 0) > 0 THEN 'the aggregate is not at the expected version'
             WHEN q.expected NOT IN ('any', 'none') AND q.expected::integer <> coalesce(lv.version, 0)
               THEN 'the aggregate is not at the expected version'
           END AS conflict
      FROM (SELECT ord AS idx, r->>'aggregateId' AS agg, coalesce(r->>'expectedVersion', 'any') AS expected,
                   r->'events' AS events
              FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS t(r, ord)) q
      -- The current version is the newest in the log: one probe of its (aggregate, version) index.
      LEFT JOIN LATERAL (SELECT ev.aggregate_version AS version FROM "event_store"."events" ev
                          WHERE ev.aggregate_id = q.agg ORDER BY ev.aggregate_version DESC LIMIT 1) lv ON true
      LEFT JOIN "event_store"."aggregates" a ON a.aggregate_id = q.agg AND a.deleted_at IS NOT NULL
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

/** append_batch_sequential of 1763800000100 (then named append_batch), with the version read from the log. */
export const SEQUENTIAL_FROM_LOG = `
CREATE OR REPLACE FUNCTION "event_store"."append_batch_sequential"(p_requests jsonb, p_serialized boolean)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  r jsonb;
  lock_key bigint;
  agg text;
  expected text;
  cur_version integer;
  cur_deleted timestamptz;
  ids text[];
  found_count integer;
  found_positions bigint[];
  found_version integer;
  new_positions bigint[];
  n integer;
  results jsonb := '[]'::jsonb;
BEGIN
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

  FOR r IN SELECT value FROM jsonb_array_elements(p_requests) LOOP
    agg := r->>'aggregateId';
    expected := coalesce(r->>'expectedVersion', 'any');
    ids := ARRAY(SELECT e->>'eventId' FROM jsonb_array_elements(r->'events') e);
    n := cardinality(ids);

    -- A retry of an acknowledged append: answer with what was stored.
    SELECT count(*), array_agg(position ORDER BY position), max(aggregate_version)
      INTO found_count, found_positions, found_version
      FROM "event_store"."events" WHERE event_id = ANY(ids);
    IF found_count > 0 THEN
      IF found_count = n THEN
        results := results || jsonb_build_array(jsonb_build_object(
          'status', 'duplicate', 'positions', to_jsonb(found_positions::text[]),
          'version', coalesce(found_version, 0),
          'txId', (SELECT tx_id::text FROM "event_store"."events" WHERE position = found_positions[found_count])));
      ELSE
        results := results || jsonb_build_array(jsonb_build_object(
          'status', 'conflict', 'actual', coalesce(found_version, 0), 'deleted', false,
          'reason', 'some of these event ids are already stored, but not all'));
      END IF;
      CONTINUE;
    END IF;

    cur_version := 0;
    cur_deleted := NULL;
    IF agg IS NOT NULL THEN
      -- Read after the locks, in a statement of its own: it sees every committed append, and
      -- this batch's own earlier requests.
      SELECT coalesce(max(aggregate_version), 0) INTO cur_version
        FROM "event_store"."events" WHERE aggregate_id = agg;
      SELECT deleted_at INTO cur_deleted
        FROM "event_store"."aggregates" WHERE aggregate_id = agg AND deleted_at IS NOT NULL;
      IF cur_deleted IS NOT NULL THEN
        results := results || jsonb_build_array(jsonb_build_object(
          'status', 'conflict', 'actual', cur_version, 'deleted', true, 'reason', 'the aggregate is deleted'));
        CONTINUE;
      END IF;
      IF (expected = 'none' AND cur_version > 0)
         OR (expected NOT IN ('any', 'none') AND expected::integer <> cur_version) THEN
        results := results || jsonb_build_array(jsonb_build_object(
          'status', 'conflict', 'actual', cur_version, 'deleted', false,
          'reason', 'the aggregate is not at the expected version'));
        CONTINUE;
      END IF;
    END IF;

    WITH inserted AS (
      INSERT INTO "event_store"."events"
        (event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
      SELECT e->>'eventId', agg,
             CASE WHEN agg IS NULL THEN NULL ELSE cur_version + ord::integer END,
             coalesce(e->>'context', 'default'), e->>'eventName', e->'payload',
             coalesce(e->'metadata', '{}'::jsonb)
        FROM jsonb_array_elements(r->'events') WITH ORDINALITY AS t(e, ord)
       ORDER BY ord
      RETURNING position
    )
    SELECT array_agg(position ORDER BY position) INTO new_positions FROM inserted;

    results := results || jsonb_build_array(jsonb_build_object(
      'status', 'ok', 'positions', to_jsonb(new_positions::text[]),
      'version', CASE WHEN agg IS NULL THEN 0 ELSE cur_version + n END));
  END LOOP;

  RETURN jsonb_build_object('results', results, 'txId', pg_current_xact_id_if_assigned()::text);
END
$fn$`;
