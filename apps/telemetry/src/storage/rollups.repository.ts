import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { toSparse } from '../rollups/log-histogram';
import type {
  GatewayRollup,
  HandlerRollup,
  InvocationRollup,
  ResourceRow,
  RollupSnapshot,
} from '../rollups/rollup-buffer';

/**
 * Weight of one sample in the exponentially weighted mean service time of the model: a
 * batch of n samples with mean m moves the average to old·(1-α)^n + m·(1-(1-α)^n), which is
 * what feeding the n samples one by one would give if they were all equal to m.
 */
export const EWMA_ALPHA = 0.05;

const json = (map: Map<number, number> | Map<string, number>) =>
  JSON.stringify(map instanceof Map ? Object.fromEntries([...map].map(([k, v]) => [String(k), v])) : map);

/** Writes a flush: one batched statement per table, all in one transaction. */
@Injectable()
export class RollupsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async write(snapshot: RollupSnapshot): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (snapshot.handlers.length > 0) {
        await this.upsertHandlers(tx, snapshot.handlers);
        await this.upsertStats(tx, snapshot.handlers);
      }
      if (snapshot.invocations.length > 0) await this.upsertInvocations(tx, snapshot.invocations);
      if (snapshot.gateway.length > 0) await this.upsertGateway(tx, snapshot.gateway);
      if (snapshot.resources.length > 0) await this.insertResources(tx, snapshot.resources);
      if (snapshot.gatewayInstances.size > 0) await this.upsertGatewayInstances(tx, snapshot.gatewayInstances);
    });
  }

  private async upsertGatewayInstances(tx: EntityManager, seen: Map<string, number>): Promise<void> {
    await tx.query(
      `INSERT INTO telemetry.gateway_instances AS t (instance_id, last_seen)
       SELECT i, to_timestamp(at / 1000.0) FROM unnest($1::text[], $2::bigint[]) AS u(i, at)
       ON CONFLICT (instance_id) DO UPDATE SET last_seen = greatest(t.last_seen, excluded.last_seen)`,
      [[...seen.keys()], [...seen.values()]],
    );
    // Replaced pods would otherwise pile up one row each forever.
    await tx.query(`DELETE FROM telemetry.gateway_instances WHERE last_seen < now() - interval '1 day'`);
  }

  private async upsertHandlers(tx: EntityManager, rows: HandlerRollup[]): Promise<void> {
    await tx.query(
      `INSERT INTO telemetry.handler_rollups AS t
         (bucket_start, bundle_id, component, handler, payload, count, errors, sum_ms, min_ms, max_ms, hist)
       SELECT to_timestamp(b / 1000.0), bu, c, h, p, n, e, s, mi, ma, hi::jsonb
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
                   $8::float8[], $9::float8[], $10::float8[], $11::text[]) AS u(b, bu, c, h, p, n, e, s, mi, ma, hi)
       ON CONFLICT (bucket_start, bundle_id, component, handler, payload) DO UPDATE SET
         count = t.count + excluded.count,
         errors = t.errors + excluded.errors,
         sum_ms = t.sum_ms + excluded.sum_ms,
         min_ms = least(t.min_ms, excluded.min_ms),
         max_ms = greatest(t.max_ms, excluded.max_ms),
         hist = telemetry.hist_merge(t.hist, excluded.hist)`,
      [
        rows.map((r) => r.bucketStart),
        rows.map((r) => r.bundleId),
        rows.map((r) => r.component),
        rows.map((r) => r.handler),
        rows.map((r) => r.payload),
        rows.map((r) => r.stat.count),
        rows.map((r) => r.stat.errors),
        rows.map((r) => r.stat.sum),
        rows.map((r) => r.stat.min),
        rows.map((r) => r.stat.max),
        rows.map((r) => JSON.stringify(toSparse(r.stat.hist))),
      ],
    );
  }

  private async upsertStats(tx: EntityManager, rows: HandlerRollup[]): Promise<void> {
    const series = new Map<string, { key: HandlerRollup; n: number; errors: number; sum: number; last: number }>();
    for (const row of rows) {
      const id = [row.bundleId, row.component, row.handler, row.payload].join('\u0000');
      const current = series.get(id) ?? { key: row, n: 0, errors: 0, sum: 0, last: 0 };
      current.n += row.stat.count;
      current.errors += row.stat.errors;
      current.sum += row.stat.sum;
      current.last = Math.max(current.last, row.bucketStart);
      series.set(id, current);
    }
    const list = [...series.values()].filter((s) => s.n > 0);
    await tx.query(
      `INSERT INTO telemetry.handler_stats AS t
         (bundle_id, component, handler, payload, count, errors, ewma_ms, ewma_error_rate, last_seen)
       SELECT bu, c, h, p, n, e, s / n, e::float8 / n, to_timestamp(ls / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::float8[],
                   $8::bigint[]) AS u(bu, c, h, p, n, e, s, ls)
       ON CONFLICT (bundle_id, component, handler, payload) DO UPDATE SET
         count = t.count + excluded.count,
         errors = t.errors + excluded.errors,
         ewma_ms = t.ewma_ms * power(1 - $9::float8, excluded.count)
                 + excluded.ewma_ms * (1 - power(1 - $9::float8, excluded.count)),
         ewma_error_rate = t.ewma_error_rate * power(1 - $9::float8, excluded.count)
                 + excluded.ewma_error_rate * (1 - power(1 - $9::float8, excluded.count)),
         last_seen = greatest(t.last_seen, excluded.last_seen)`,
      [
        list.map((s) => s.key.bundleId),
        list.map((s) => s.key.component),
        list.map((s) => s.key.handler),
        list.map((s) => s.key.payload),
        list.map((s) => s.n),
        list.map((s) => s.errors),
        list.map((s) => s.sum),
        list.map((s) => s.last),
        EWMA_ALPHA,
      ],
    );
  }

  private async upsertInvocations(tx: EntityManager, rows: InvocationRollup[]): Promise<void> {
    await tx.query(
      `INSERT INTO telemetry.invocation_rollups AS t
         (bucket_start, bundle_id, component, handler, payload, invoked_payload, executions, invocations)
       SELECT to_timestamp(b / 1000.0), bu, c, h, p, ip, ex, n
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                   $8::bigint[]) AS u(b, bu, c, h, p, ip, ex, n)
       ON CONFLICT (bucket_start, bundle_id, component, handler, payload, invoked_payload) DO UPDATE SET
         executions = t.executions + excluded.executions,
         invocations = t.invocations + excluded.invocations`,
      [
        rows.map((r) => r.bucketStart),
        rows.map((r) => r.bundleId),
        rows.map((r) => r.component),
        rows.map((r) => r.handler),
        rows.map((r) => r.payload),
        rows.map((r) => r.invokedPayload),
        rows.map((r) => r.executions),
        rows.map((r) => r.invocations),
      ],
    );
  }

  private async upsertGateway(tx: EntityManager, rows: GatewayRollup[]): Promise<void> {
    const stages = ['wait', 'load', 'bundle', 'append'] as const;
    const stageUpdates = stages
      .map(
        (s) =>
          `${s}_sum_ms = t.${s}_sum_ms + excluded.${s}_sum_ms, ${s}_hist = telemetry.hist_merge(t.${s}_hist, excluded.${s}_hist)`,
      )
      .join(',\n         ');
    await tx.query(
      `INSERT INTO telemetry.gateway_rollups AS t
         (bucket_start, kind, payload, bundle_id, count, errors, error_codes, total_min_ms, total_max_ms, total_sum_ms,
          total_hist, wait_sum_ms, wait_hist, load_sum_ms, load_hist, bundle_sum_ms, bundle_hist, append_sum_ms,
          append_hist)
       SELECT to_timestamp(b / 1000.0), k, p, bu, n, e, ec::jsonb, mi, ma, s, hi::jsonb, ws, wh::jsonb, ls, lh::jsonb,
              bs, bh::jsonb, aps, aph::jsonb
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[],
                   $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::float8[], $13::text[], $14::float8[],
                   $15::text[], $16::float8[], $17::text[], $18::float8[], $19::text[])
            AS u(b, k, p, bu, n, e, ec, mi, ma, s, hi, ws, wh, ls, lh, bs, bh, aps, aph)
       ON CONFLICT (bucket_start, kind, payload, bundle_id) DO UPDATE SET
         count = t.count + excluded.count,
         errors = t.errors + excluded.errors,
         error_codes = telemetry.hist_merge(t.error_codes, excluded.error_codes),
         total_min_ms = least(t.total_min_ms, excluded.total_min_ms),
         total_max_ms = greatest(t.total_max_ms, excluded.total_max_ms),
         total_sum_ms = t.total_sum_ms + excluded.total_sum_ms,
         total_hist = telemetry.hist_merge(t.total_hist, excluded.total_hist),
         ${stageUpdates}`,
      [
        rows.map((r) => r.bucketStart),
        rows.map((r) => r.kind),
        rows.map((r) => r.payload),
        rows.map((r) => r.bundleId),
        rows.map((r) => r.total.count),
        rows.map((r) => r.total.errors),
        rows.map((r) => json(r.errorCodes)),
        rows.map((r) => r.total.min),
        rows.map((r) => r.total.max),
        rows.map((r) => r.total.sum),
        rows.map((r) => json(r.total.hist)),
        ...stages.flatMap((s) => [rows.map((r) => r[s].sum), rows.map((r) => json(r[s].hist))]),
      ],
    );
  }

  private async insertResources(tx: EntityManager, rows: ResourceRow[]): Promise<void> {
    await tx.query(
      `INSERT INTO telemetry.resource_reports
         (reported_at, bundle_id, instance_id, cpu_percent, rss_bytes, heap_used_bytes, event_loop_delay_ms, in_flight,
          consumers)
       SELECT to_timestamp(r / 1000.0), bu, i, cpu, rss, heap, eld, inf, co::jsonb
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::bigint[], $6::bigint[], $7::float8[],
                   $8::int[], $9::text[]) AS u(r, bu, i, cpu, rss, heap, eld, inf, co)`,
      [
        rows.map((r) => r.reportedAt),
        rows.map((r) => r.bundleId),
        rows.map((r) => r.instanceId),
        rows.map((r) => r.cpuPercent),
        rows.map((r) => r.rssBytes),
        rows.map((r) => r.heapUsedBytes),
        rows.map((r) => r.eventLoopDelayMs),
        rows.map((r) => r.inFlight),
        rows.map((r) => (r.consumers ? JSON.stringify(r.consumers) : null)),
      ],
    );
  }
}
