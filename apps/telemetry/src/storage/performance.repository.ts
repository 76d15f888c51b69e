import { isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { SparseHistogram } from '../rollups/log-histogram';

/** A handler's smoothed service time and error rate (handler_stats). */
export interface StatRow {
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  ewmaMs: number;
  count: number;
  ewmaErrorRate: number;
}

/** Invocation totals over the window; invokedPayload '' carries the executions. */
export interface InvocationRow {
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  invokedPayload: string;
  executions: number;
  invocations: number;
}

/** What the gateway measured per command, query or publish over the window: mean phases. */
export interface GatewayMeansRow {
  kind: string;
  payload: string;
  /** '' when no bundle handled it. */
  bundleId: string;
  count: number;
  meanTotalMs: number;
  meanWaitMs: number;
  meanLoadMs: number;
  meanBundleMs: number;
  meanAppendMs: number;
}

export interface SeriesFilter {
  bundleId: string;
  component: string;
  handler?: string;
  payload?: string;
  from: Date;
  to: Date;
}

export interface DurationRow {
  count: number;
  errors: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
  hist: SparseHistogram;
}

export interface SeriesRow extends DurationRow {
  t: number;
}

export interface BreakdownRow extends DurationRow {
  handler: string;
  payload: string;
}

export interface GatewayRow extends DurationRow {
  kind: string;
  payload: string;
  bundleId: string;
  errorCodes: Record<string, number>;
  stages: Record<'wait' | 'load' | 'bundle' | 'append', { sumMs: number; hist: SparseHistogram }>;
}

export interface ResourceSummaryRow {
  bundleId: string;
  instanceId: string;
  reports: number;
  /** ISO 8601. */
  lastReportAt: string;
  avgCpuPercent: number;
  maxCpuPercent: number;
  lastRssBytes: number;
  maxRssBytes: number;
  lastHeapUsedBytes: number;
  avgEventLoopDelayMs: number;
  maxEventLoopDelayMs: number;
  lastInFlight: number;
  maxInFlight: number;
  consumers: Array<{ consumerId: string; lag: number }> | null;
}

/** `stages` of a GatewayRow: per stage, the summed time and the merged histogram. */
const GATEWAY_STAGES = `jsonb_build_object(${['wait', 'load', 'bundle', 'append']
  .map((s) => `'${s}', jsonb_build_object('sumMs', sum(${s}_sum_ms), 'hist', telemetry.hist_sum(${s}_hist))`)
  .join(', ')})`;

const DURATION_COLUMNS = `sum(count)::float8 AS count, sum(errors)::float8 AS errors, sum(sum_ms) AS "sumMs",
  min(min_ms) AS "minMs", max(max_ms) AS "maxMs", telemetry.hist_sum(hist) AS hist`;

/** Reads the rollups for the query API and the model; the only reader of the telemetry tables. */
@Injectable()
export class PerformanceRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private filter(f: SeriesFilter): { where: string; params: unknown[] } {
    return {
      where: `bundle_id = $1 AND component = $2 AND ($3::text IS NULL OR handler = $3)
        AND ($4::text IS NULL OR payload = $4) AND bucket_start >= $5 AND bucket_start < $6`,
      params: [f.bundleId, f.component, f.handler ?? null, f.payload ?? null, f.from, f.to],
    };
  }

  async series(f: SeriesFilter, stepSeconds: number): Promise<SeriesRow[]> {
    const { where, params } = this.filter(f);
    return this.db.query<SeriesRow[]>(
      `SELECT (floor(extract(epoch FROM bucket_start) / $7) * $7 * 1000)::float8 AS t, ${DURATION_COLUMNS}
       FROM telemetry.handler_rollups WHERE ${where} GROUP BY 1 ORDER BY 1`,
      [...params, stepSeconds],
    );
  }

  async breakdown(f: SeriesFilter): Promise<BreakdownRow[]> {
    const { where, params } = this.filter(f);
    return this.db.query<BreakdownRow[]>(
      `SELECT handler, payload, ${DURATION_COLUMNS}
       FROM telemetry.handler_rollups WHERE ${where} GROUP BY handler, payload ORDER BY handler, payload`,
      params,
    );
  }

  async gateway(from: Date, to: Date, payload?: string, kind?: string): Promise<GatewayRow[]> {
    return this.db.query<GatewayRow[]>(
      `SELECT kind, payload, bundle_id AS "bundleId", sum(count)::float8 AS count, sum(errors)::float8 AS errors,
         sum(total_sum_ms) AS "sumMs", min(total_min_ms) AS "minMs", max(total_max_ms) AS "maxMs",
         telemetry.hist_sum(total_hist) AS hist, telemetry.hist_sum(error_codes) AS "errorCodes",
         ${GATEWAY_STAGES} AS stages
       FROM telemetry.gateway_rollups
       WHERE bucket_start >= $1 AND bucket_start < $2 AND ($3::text IS NULL OR payload = $3)
         AND ($4::text IS NULL OR kind = $4)
       GROUP BY kind, payload, bundle_id ORDER BY count DESC, payload LIMIT 1000`,
      [from, to, payload ?? null, kind ?? null],
    );
  }

  async resources(from: Date, to: Date, bundleId?: string, instanceId?: string): Promise<ResourceSummaryRow[]> {
    return this.db.query<ResourceSummaryRow[]>(
      `SELECT bundle_id AS "bundleId", instance_id AS "instanceId", count(*)::int AS reports,
         ${isoTimestamp('max(reported_at)')} AS "lastReportAt",
         avg(cpu_percent) AS "avgCpuPercent", max(cpu_percent) AS "maxCpuPercent",
         (array_agg(rss_bytes ORDER BY reported_at DESC))[1]::float8 AS "lastRssBytes",
         max(rss_bytes)::float8 AS "maxRssBytes",
         (array_agg(heap_used_bytes ORDER BY reported_at DESC))[1]::float8 AS "lastHeapUsedBytes",
         avg(event_loop_delay_ms) AS "avgEventLoopDelayMs", max(event_loop_delay_ms) AS "maxEventLoopDelayMs",
         (array_agg(in_flight ORDER BY reported_at DESC))[1] AS "lastInFlight", max(in_flight) AS "maxInFlight",
         (array_agg(consumers ORDER BY reported_at DESC))[1] AS consumers
       FROM telemetry.resource_reports
       WHERE reported_at >= $1 AND reported_at < $2 AND ($3::text IS NULL OR bundle_id = $3)
         AND ($4::text IS NULL OR instance_id = $4)
       GROUP BY bundle_id, instance_id ORDER BY bundle_id, instance_id LIMIT 1000`,
      [from, to, bundleId ?? null, instanceId ?? null],
    );
  }

  /** All handler executions of a bundle (optionally one component) in buckets starting at or after `from`. */
  async bundleDurations(bundleId: string, component: string | undefined, from: Date): Promise<DurationRow> {
    const [row] = await this.db.query<DurationRow[]>(
      `SELECT ${DURATION_COLUMNS} FROM telemetry.handler_rollups
       WHERE bundle_id = $1 AND ($2::text IS NULL OR component = $2) AND bucket_start >= $3`,
      [bundleId, component ?? null, from],
    );
    return row;
  }

  /** The highest consumer lag any instance of the bundle reported since `from`; null without reports. */
  async maxConsumerLag(bundleId: string, from: Date): Promise<number | null> {
    const [row] = await this.db.query<Array<{ lag: number | null }>>(
      `SELECT max((c ->> 'lag')::float8) AS lag
       FROM telemetry.resource_reports r
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.consumers) = 'array'
         THEN r.consumers ELSE '[]'::jsonb END) AS c
       WHERE r.bundle_id = $1 AND r.reported_at >= $2`,
      [bundleId, from],
    );
    return row?.lag ?? null;
  }

  /** Per handler over the interval, for the dashboard (ordered in SQL by the caller's choice). */
  async handlerTotals(
    from: Date,
    to: Date,
    order: 'mean' | 'errorRate',
    limit: number,
  ): Promise<Array<BreakdownRow & { bundleId: string; component: string }>> {
    const orderBy =
      order === 'mean'
        ? 'sum(sum_ms) / nullif(sum(count), 0) DESC'
        : 'sum(errors)::float8 / nullif(sum(count), 0) DESC, sum(errors) DESC';
    return this.db.query<Array<BreakdownRow & { bundleId: string; component: string }>>(
      `SELECT bundle_id AS "bundleId", component, handler, payload, ${DURATION_COLUMNS}
       FROM telemetry.handler_rollups WHERE bucket_start >= $1 AND bucket_start < $2
       GROUP BY bundle_id, component, handler, payload
       ${order === 'errorRate' ? 'HAVING sum(errors) > 0' : ''}
       ORDER BY ${orderBy}, bundle_id, component, handler, payload LIMIT $3`,
      [from, to, limit],
    );
  }

  async busiestBundles(
    from: Date,
    to: Date,
    limit: number,
  ): Promise<Array<{ bundleId: string; count: number; errors: number; sumMs: number }>> {
    return this.db.query<Array<{ bundleId: string; count: number; errors: number; sumMs: number }>>(
      `SELECT bundle_id AS "bundleId", sum(count)::float8 AS count, sum(errors)::float8 AS errors, sum(sum_ms) AS "sumMs"
       FROM telemetry.handler_rollups WHERE bucket_start >= $1 AND bucket_start < $2
       GROUP BY bundle_id ORDER BY count DESC, bundle_id LIMIT $3`,
      [from, to, limit],
    );
  }

  async stats(since: Date): Promise<StatRow[]> {
    return this.db.query<StatRow[]>(
      `SELECT bundle_id AS "bundleId", component, handler, payload, ewma_ms AS "ewmaMs", count::float8 AS count,
         ewma_error_rate AS "ewmaErrorRate"
       FROM telemetry.handler_stats WHERE last_seen >= $1 ORDER BY 1, 2, 3, 4 LIMIT 10000`,
      [since],
    );
  }

  async invocations(since: Date): Promise<InvocationRow[]> {
    return this.db.query<InvocationRow[]>(
      `SELECT bundle_id AS "bundleId", component, handler, payload, invoked_payload AS "invokedPayload",
         sum(executions)::float8 AS executions, sum(invocations)::float8 AS invocations
       FROM telemetry.invocation_rollups WHERE bucket_start >= $1
       GROUP BY 1, 2, 3, 4, 5 LIMIT 100000`,
      [since],
    );
  }

  /** Mean phases per command or query, as the gateway measured them, since the given time. */
  async gatewayMeans(since: Date): Promise<GatewayMeansRow[]> {
    return this.db.query<GatewayMeansRow[]>(
      `SELECT kind, payload, bundle_id AS "bundleId", sum(count)::float8 AS count,
         sum(total_sum_ms) / nullif(sum(count), 0) AS "meanTotalMs",
         sum(wait_sum_ms) / nullif(sum(count), 0) AS "meanWaitMs",
         sum(load_sum_ms) / nullif(sum(count), 0) AS "meanLoadMs",
         sum(bundle_sum_ms) / nullif(sum(count), 0) AS "meanBundleMs",
         sum(append_sum_ms) / nullif(sum(count), 0) AS "meanAppendMs"
       FROM telemetry.gateway_rollups WHERE bucket_start >= $1
       GROUP BY kind, payload, bundle_id LIMIT 10000`,
      [since],
    );
  }

  /** Gateway instances that sent samples since the given time. */
  async gatewayInstances(since: Date): Promise<number> {
    const [row] = await this.db.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM telemetry.gateway_instances WHERE last_seen >= $1',
      [since],
    );
    return row?.n ?? 0;
  }

  /** Distinct instances per bundle that reported resources since the given time. */
  async instances(since: Date): Promise<Map<string, number>> {
    const rows = await this.db.query<Array<{ bundleId: string; n: number }>>(
      `SELECT bundle_id AS "bundleId", count(DISTINCT instance_id)::int AS n
       FROM telemetry.resource_reports WHERE reported_at >= $1 GROUP BY bundle_id`,
      [since],
    );
    return new Map(rows.map((row) => [row.bundleId, row.n]));
  }
}
