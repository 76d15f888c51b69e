import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log, the aggregates' versions and deletion marks, snapshots, and the append
 * function that writes a whole group-commit batch in one round trip.
 *
 * Ordering: every event records the id of the transaction that wrote it (`tx_id xid8`).
 * Appends take their advisory locks (the global one in CPES, one per aggregate in APES)
 * before their first write, so a transaction gets its xid only once it holds its locks: for
 * one aggregate, a later version always has a larger xid. Readers in APES order by
 * (tx_id, position) and only read rows whose transactions are all finished.
 */
export class CreateEventLog1763800000100 implements MigrationInterface {
  name = 'CreateEventLog1763800000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE "event_store"."events_position_seq" AS bigint START 1`);
    await q.query(`
      CREATE TABLE "event_store"."events" (
        "position" bigint PRIMARY KEY DEFAULT nextval('"event_store"."events_position_seq"'),
        "tx_id" xid8 NOT NULL DEFAULT pg_current_xact_id(),
        "event_id" text NOT NULL,
        "aggregate_id" text,
        "aggregate_version" integer,
        "context" text NOT NULL DEFAULT 'default',
        "event_name" text NOT NULL,
        "payload" jsonb NOT NULL,
        "metadata" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz,
        CONSTRAINT "events_event_id_key" UNIQUE ("event_id"),
        CONSTRAINT "events_aggregate_version_key" UNIQUE ("aggregate_id", "aggregate_version"),
        CONSTRAINT "events_version_with_aggregate" CHECK (("aggregate_id" IS NULL) = ("aggregate_version" IS NULL))
      )`);
    await q.query(`ALTER SEQUENCE "event_store"."events_position_seq" OWNED BY "event_store"."events"."position"`);
    await q.query(
      `CREATE INDEX "events_context_name_position" ON "event_store"."events" ("context", "event_name", "position")`,
    );
    await q.query(`CREATE INDEX "events_tx_position" ON "event_store"."events" ("tx_id", "position")`);
    await q.query(`CREATE INDEX "events_created_at" ON "event_store"."events" ("created_at")`);
    await q.query(`
      CREATE TABLE "event_store"."aggregates" (
        "aggregate_id" text PRIMARY KEY,
        "version" integer NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz,
        "deleted_by" text,
        "delete_reason" text
      )`);
    await q.query(`
      CREATE TABLE "event_store"."snapshots" (
        "aggregate_id" text PRIMARY KEY,
        "version" integer NOT NULL,
        "state" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz
      )`);
    await q.query(APPEND_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS "event_store"."append_batch"(jsonb, boolean)`);
    await q.query(`DROP TABLE IF EXISTS "event_store"."snapshots"`);
    await q.query(`DROP TABLE IF EXISTS "event_store"."aggregates"`);
    await q.query(`DROP TABLE IF EXISTS "event_store"."events"`);
  }
}

/**
 * append_batch(requests, serialized) appends every request of a batch in the calling
 * transaction and returns one result per request, in order:
 *   {"status":"ok","positions":[...],"version":n}
 *   {"status":"duplicate","positions":[...],"version":n}   (all its event ids already stored)
 *   {"status":"conflict","actual":n,"deleted":bool,"reason":"..."}
 * A conflicting request writes nothing; the others still commit.
 */
export const APPEND_FUNCTION = `
CREATE FUNCTION "event_store"."append_batch"(p_requests jsonb, p_serialized boolean)
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
      SELECT version, deleted_at INTO cur_version, cur_deleted
        FROM "event_store"."aggregates" WHERE aggregate_id = agg;
      cur_version := coalesce(cur_version, 0);
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

    IF agg IS NOT NULL THEN
      INSERT INTO "event_store"."aggregates" (aggregate_id, version) VALUES (agg, cur_version + n)
      ON CONFLICT (aggregate_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now();
    END IF;

    results := results || jsonb_build_array(jsonb_build_object(
      'status', 'ok', 'positions', to_jsonb(new_positions::text[]),
      'version', CASE WHEN agg IS NULL THEN 0 ELSE cur_version + n END));
  END LOOP;

  RETURN jsonb_build_object('results', results, 'txId', pg_current_xact_id_if_assigned()::text);
END
$fn$`;
