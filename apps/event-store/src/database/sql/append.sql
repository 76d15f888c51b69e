-- The event store's append functions as they run: the one source of their bodies.
--
-- Migration 1763800000600-AppendFunctionsFromSource installs this file (CREATE OR REPLACE), and
-- test/event-store/append-functions.e2e-spec.ts checks that a migrated database runs exactly
-- these bodies. Migrations 100-400 keep the historical versions they installed.
--
-- To change a function: edit it here, add a migration that installs this file again with a
-- down() that restores the text as it was before your change (keep a copy of it there), and
-- update RELEASED_APPEND_SQL_SHA256 in ./index.ts (a test fails until then). Every function here
-- is PL/pgSQL, so its body resolves tables when it runs, not when it is created.
--
-- The event store calls append_batch(p_requests => ..., p_serialized => ..., p_plain => ...)
-- with a whole group-commit batch. Ordering: every event records the id of the transaction
-- that wrote it (tx_id xid8). The functions take their advisory locks (the global one in CPES,
-- one per aggregate in APES) before their first write, so a transaction gets its xid only once
-- it holds its locks: for one aggregate, a later version always has a larger xid. The current
-- version of an aggregate is the newest in the log (the events' (aggregate_id,
-- aggregate_version) index), read after the locks; `aggregates` only holds deletion marks.


-- append_batch(requests, serialized, plain) appends every request of the batch in the calling
-- transaction and returns {"results": [...], "txId": "..."}, one result per request, in order:
--   {"status":"ok","positions":[...],"version":n}
--   {"status":"duplicate","positions":[...],"version":n,"txId":"..."}  (all its event ids stored)
--   {"status":"conflict","actual":n,"deleted":bool,"reason":"..."}
-- A conflicting request writes nothing; the others still commit. `plain` (the caller's word)
-- means no aggregate id and no event id appears twice in the batch: it is then written
-- set-based, with positions drawn in (request, event) order. A batch that is not plain, or
-- that retries stored event ids, goes request by request through append_batch_sequential. A
-- batch wrongly called plain fails on the unique keys (event id, aggregate version) and
-- writes nothing.
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
$fn$;


-- append_batch_sequential(requests, serialized): the same answer, request by request, so a
-- request sees the ones before it in the batch (the same aggregate twice, retried event ids).
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
$fn$;


-- append_batch(requests, serialized): for callers that do not say whether the batch is plain;
-- it checks that itself and calls the three-argument form.
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
$fn$;
