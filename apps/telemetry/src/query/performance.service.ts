import { type BundleStatsRequest, type BundleStatsResult, ErrorCode, EventoError } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { TelemetryConfig } from '../config/telemetry.config';
import type {
  CommandsQueryDto,
  DashboardQueryDto,
  IntervalQueryDto,
  ResourcesQueryDto,
  SeriesQueryDto,
} from './dto/performance.query.dto';
import { type DurationRow, PerformanceRepository } from '../storage/performance.repository';
import { type DurationSummary, type StageSummary, summarise, summariseStage } from './performance.views';
import { quantile } from '../rollups/log-histogram';

/** The interval of a query that gives no `from`. */
const DEFAULT_WINDOW_MS = 15 * 60_000;
const MAX_INTERVAL_MS = 31 * 86_400_000;
const MAX_POINTS = 2000;

export interface SeriesPoint extends DurationSummary {
  start: string;
}

export interface SeriesView {
  bundleId: string;
  component: string;
  handler: string | null;
  payload: string | null;
  from: string;
  to: string;
  stepSeconds: number;
  total: DurationSummary;
  /** The same over the interval for each handler and payload of the selection. */
  handlers: Array<{ handler: string; payload: string } & DurationSummary>;
  /** One point per step from `from` (aligned down to the step), empty steps included. */
  points: SeriesPoint[];
}

export interface CommandView extends DurationSummary {
  kind: string;
  payload: string;
  bundleId: string | null;
  errorCodes: Record<string, number>;
  wait: StageSummary;
  load: StageSummary;
  bundle: StageSummary;
  append: StageSummary;
}

/** The query API over the rollups. */
@Injectable()
export class PerformanceService {
  constructor(
    private readonly repository: PerformanceRepository,
    private readonly config: TelemetryConfig,
  ) {}

  private interval(query: IntervalQueryDto): { from: Date; to: Date; seconds: number } {
    // Without bounds: the last DEFAULT_WINDOW_MS up to now, what a dashboard opened cold wants.
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_WINDOW_MS);
    const span = to.getTime() - from.getTime();
    if (!(span > 0)) throw new EventoError(ErrorCode.VALIDATION_FAILED, '`to` must be after `from`');
    if (span > MAX_INTERVAL_MS) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'The interval may span at most 31 days');
    }
    return { from, to, seconds: span / 1000 };
  }

  async series(query: SeriesQueryDto): Promise<SeriesView> {
    const bucket = this.config.TELEMETRY_BUCKET_SECONDS;
    const step = query.stepSeconds ?? bucket;
    if (step % bucket !== 0) {
      throw new EventoError(
        ErrorCode.VALIDATION_FAILED,
        `stepSeconds must be a multiple of the rollup bucket (${bucket} s)`,
        {
          bucketSeconds: bucket,
        },
      );
    }
    const { from, to, seconds } = this.interval(query);
    const stepMs = step * 1000;
    const first = Math.floor(from.getTime() / stepMs) * stepMs;
    const points = Math.ceil((to.getTime() - first) / stepMs);
    if (points > MAX_POINTS) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, `At most ${MAX_POINTS} points per series: widen stepSeconds`, {
        points,
      });
    }
    const filter = { ...query, from, to };
    const [rows, breakdown] = await Promise.all([
      this.repository.series(filter, step),
      this.repository.breakdown(filter),
    ]);
    const byStart = new Map(rows.map((row) => [Number(row.t), row]));
    const initial: DurationRow = { count: 0, errors: 0, sumMs: 0, minMs: Number.POSITIVE_INFINITY, maxMs: 0, hist: {} };
    const total = breakdown.reduce((acc, row) => {
      acc.count += Number(row.count);
      acc.errors += Number(row.errors);
      acc.sumMs += row.sumMs;
      acc.minMs = Math.min(acc.minMs, row.minMs);
      acc.maxMs = Math.max(acc.maxMs, row.maxMs);
      for (const [k, v] of Object.entries(row.hist)) acc.hist[k] = (acc.hist[k] ?? 0) + Number(v);
      return acc;
    }, initial);
    return {
      bundleId: query.bundleId,
      component: query.component,
      handler: query.handler ?? null,
      payload: query.payload ?? null,
      from: from.toISOString(),
      to: to.toISOString(),
      stepSeconds: step,
      total: summarise(total, seconds),
      handlers: breakdown.map((row) => ({ handler: row.handler, payload: row.payload, ...summarise(row, seconds) })),
      points: Array.from({ length: points }, (_, i) => {
        const start = first + i * stepMs;
        return { start: new Date(start).toISOString(), ...summarise(byStart.get(start), step) };
      }),
    };
  }

  /**
   * p95 service time and the highest consumer lag of a bundle over the last `windowMs`. Rollups
   * count from the bucket that holds the window's start (the window is widened to whole buckets),
   * and what arrived since the last flush (TELEMETRY_FLUSH_MS) is not in them yet.
   */
  async bundleStats(request: BundleStatsRequest): Promise<BundleStatsResult> {
    const now = Date.now();
    const bucketMs = this.config.TELEMETRY_BUCKET_SECONDS * 1000;
    const from = new Date(Math.floor((now - request.windowMs) / bucketMs) * bucketMs);
    const [durations, maxConsumerLag] = await Promise.all([
      this.repository.bundleDurations(request.bundleId, request.component, from),
      this.repository.maxConsumerLag(request.bundleId, new Date(now - request.windowMs)),
    ]);
    const count = Number(durations?.count ?? 0);
    return {
      bundleId: request.bundleId,
      windowMs: request.windowMs,
      count,
      p95ServiceTimeMs:
        count > 0 ? quantile(durations.hist ?? {}, 0.95, { min: durations.minMs, max: durations.maxMs }) : null,
      maxConsumerLag: maxConsumerLag === null ? null : Number(maxConsumerLag),
    };
  }

  async commands(query: CommandsQueryDto): Promise<CommandView[]> {
    const { from, to, seconds } = this.interval(query);
    const rows = await this.repository.gateway(from, to, query.payload, query.kind);
    return rows.map((row) => {
      const count = Number(row.count);
      return {
        kind: row.kind,
        payload: row.payload,
        bundleId: row.bundleId === '' ? null : row.bundleId,
        ...summarise(row, seconds),
        errorCodes: Object.fromEntries(Object.entries(row.errorCodes).map(([k, v]) => [k, Number(v)])),
        wait: summariseStage(count, row.stages.wait),
        load: summariseStage(count, row.stages.load),
        bundle: summariseStage(count, row.stages.bundle),
        append: summariseStage(count, row.stages.append),
      };
    });
  }

  async resources(query: ResourcesQueryDto) {
    const { from, to } = this.interval(query);
    return this.repository.resources(from, to, query.bundleId, query.instanceId);
  }

  async dashboard(query: DashboardQueryDto) {
    const { from, to, seconds } = this.interval(query);
    const limit = query.limit ?? 10;
    const [slowest, failing, busiest] = await Promise.all([
      this.repository.handlerTotals(from, to, 'mean', limit),
      this.repository.handlerTotals(from, to, 'errorRate', limit),
      this.repository.busiestBundles(from, to, limit),
    ]);
    const handler = (row: (typeof slowest)[number]) => ({
      bundleId: row.bundleId,
      component: row.component,
      handler: row.handler,
      payload: row.payload,
      ...summarise(row, seconds),
    });
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      slowestHandlers: slowest.map(handler),
      highestErrorRates: failing.map(handler),
      busiestBundles: busiest.map((row) => ({
        bundleId: row.bundleId,
        count: Number(row.count),
        errors: Number(row.errors),
        throughputPerSec: Number(row.count) / seconds,
        meanMs: Number(row.count) > 0 ? row.sumMs / Number(row.count) : null,
      })),
    };
  }
}
