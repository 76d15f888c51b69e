import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollup tables, partitioned by day on their time column so retention drops whole
 * partitions; the partitions themselves are created ahead at run time (PartitionMaintainer).
 * Histograms are sparse jsonb objects (bucket index → count) merged by `hist_merge`.
 */
export class CreateRollups1763800000100 implements MigrationInterface {
  name = 'CreateRollups1763800000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION telemetry.hist_merge(a jsonb, b jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb)
        FROM (
          SELECT k, sum(v::bigint) AS n
          FROM (SELECT * FROM jsonb_each_text(coalesce(a, '{}'::jsonb))
                UNION ALL SELECT * FROM jsonb_each_text(coalesce(b, '{}'::jsonb))) AS e(k, v)
          GROUP BY k
        ) AS s
      $$`);
    await queryRunner.query(`
      CREATE AGGREGATE telemetry.hist_sum(jsonb) (
        SFUNC = telemetry.hist_merge, STYPE = jsonb, INITCOND = '{}'
      )`);
    await queryRunner.query(`
      CREATE TABLE telemetry.handler_rollups (
        bucket_start timestamptz NOT NULL,
        bundle_id text NOT NULL,
        component text NOT NULL,
        handler text NOT NULL,
        payload text NOT NULL,
        count bigint NOT NULL,
        errors bigint NOT NULL,
        sum_ms double precision NOT NULL,
        min_ms double precision NOT NULL,
        max_ms double precision NOT NULL,
        hist jsonb NOT NULL,
        PRIMARY KEY (bucket_start, bundle_id, component, handler, payload)
      ) PARTITION BY RANGE (bucket_start)`);
    await queryRunner.query(`
      CREATE TABLE telemetry.invocation_rollups (
        bucket_start timestamptz NOT NULL,
        bundle_id text NOT NULL,
        component text NOT NULL,
        handler text NOT NULL,
        payload text NOT NULL,
        -- '' holds the handler's executions; other rows count the payloads it sent.
        invoked_payload text NOT NULL,
        executions bigint NOT NULL,
        invocations bigint NOT NULL,
        PRIMARY KEY (bucket_start, bundle_id, component, handler, payload, invoked_payload)
      ) PARTITION BY RANGE (bucket_start)`);
    await queryRunner.query(`
      CREATE TABLE telemetry.gateway_rollups (
        bucket_start timestamptz NOT NULL,
        kind text NOT NULL,
        payload text NOT NULL,
        bundle_id text NOT NULL,
        count bigint NOT NULL,
        errors bigint NOT NULL,
        error_codes jsonb NOT NULL,
        total_min_ms double precision NOT NULL,
        total_max_ms double precision NOT NULL,
        total_sum_ms double precision NOT NULL,
        total_hist jsonb NOT NULL,
        wait_sum_ms double precision NOT NULL,
        wait_hist jsonb NOT NULL,
        load_sum_ms double precision NOT NULL,
        load_hist jsonb NOT NULL,
        bundle_sum_ms double precision NOT NULL,
        bundle_hist jsonb NOT NULL,
        append_sum_ms double precision NOT NULL,
        append_hist jsonb NOT NULL,
        PRIMARY KEY (bucket_start, kind, payload, bundle_id)
      ) PARTITION BY RANGE (bucket_start)`);
    await queryRunner.query(`
      CREATE TABLE telemetry.resource_reports (
        reported_at timestamptz NOT NULL,
        bundle_id text NOT NULL,
        instance_id text NOT NULL,
        cpu_percent double precision NOT NULL,
        rss_bytes bigint NOT NULL,
        heap_used_bytes bigint NOT NULL,
        event_loop_delay_ms double precision NOT NULL,
        in_flight integer NOT NULL,
        consumers jsonb
      ) PARTITION BY RANGE (reported_at)`);
    await queryRunner.query(
      'CREATE INDEX resource_reports_instance ON telemetry.resource_reports (bundle_id, instance_id, reported_at)',
    );
    await queryRunner.query(`
      CREATE TABLE telemetry.handler_stats (
        bundle_id text NOT NULL,
        component text NOT NULL,
        handler text NOT NULL,
        payload text NOT NULL,
        count bigint NOT NULL,
        errors bigint NOT NULL,
        ewma_ms double precision NOT NULL,
        ewma_error_rate double precision NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (bundle_id, component, handler, payload)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'handler_stats',
      'resource_reports',
      'gateway_rollups',
      'invocation_rollups',
      'handler_rollups',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS telemetry.${table}`);
    }
    await queryRunner.query('DROP AGGREGATE IF EXISTS telemetry.hist_sum(jsonb)');
    await queryRunner.query('DROP FUNCTION IF EXISTS telemetry.hist_merge(jsonb, jsonb)');
  }
}
