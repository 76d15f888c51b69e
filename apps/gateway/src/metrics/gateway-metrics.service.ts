import { type GatewaySample, TelemetryContracts, TELEMETRY_BATCH_LIMIT } from '@evento/contracts';
import { EventoClient, LATENCY_BUCKETS, MetricsService } from '@evento/platform';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { GatewayConfig } from '../config/gateway.config';

export type WorkKind = GatewaySample['kind'];

/** Where one request's time went, in milliseconds. */
export class RequestTiming {
  readonly startedAt = Date.now();
  private readonly start = performance.now();
  waitMs = 0;
  loadMs = 0;
  bundleMs = 0;
  appendMs = 0;
  bundleId: string | undefined;
  /** Names of the events the request stored (command → event edges of telemetry's flow graph). */
  readonly events: string[] = [];

  constructor(
    readonly kind: WorkKind,
    readonly payload: string,
  ) {}

  /** Times `work` and adds its duration to one phase. */
  async time<T>(phase: 'loadMs' | 'bundleMs' | 'appendMs', work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this[phase] += performance.now() - start;
    }
  }

  get totalMs(): number {
    return performance.now() - this.start;
  }
}

/**
 * The gateway's measurements: Prometheus histograms per phase (scraped at /metrics) and
 * per-request samples batched to the telemetry app, fire-and-forget.
 */
@Injectable()
export class GatewayMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GatewayMetrics.name);
  private readonly phases: Histogram<'kind' | 'phase' | 'outcome'>;
  private readonly requests: Counter<'kind' | 'outcome' | 'code'>;
  private readonly conflicts: Counter;
  private readonly dropped: Counter;
  private batch: GatewaySample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    metrics: MetricsService,
    private readonly client: EventoClient,
    private readonly config: GatewayConfig,
  ) {
    this.phases = metrics.histogram({
      name: 'evento_gateway_request_phase_seconds',
      help: 'Time per phase of the requests the gateway served: wait (aggregate or lock), load (story), bundle, append, total',
      labelNames: ['kind', 'phase', 'outcome'],
      buckets: [...LATENCY_BUCKETS],
    });
    this.requests = metrics.counter({
      name: 'evento_gateway_requests_total',
      help: 'Requests served by the gateway, by kind and outcome (code is the error code, or "" on success)',
      labelNames: ['kind', 'outcome', 'code'],
    });
    this.conflicts = metrics.counter({
      name: 'evento_gateway_version_conflicts_total',
      help: 'Domain command appends refused on the aggregate version and retried',
    });
    this.dropped = metrics.counter({
      name: 'evento_gateway_telemetry_samples_dropped_total',
      help: 'Timing samples not sent to telemetry because the batch was full',
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.GATEWAY_TELEMETRY) return;
    this.timer = setInterval(() => this.flush(), this.config.GATEWAY_TELEMETRY_FLUSH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }

  conflict(): void {
    this.conflicts.inc();
  }

  record(timing: RequestTiming, errorCode?: string): void {
    const outcome = errorCode ? 'error' : 'ok';
    const totalMs = timing.totalMs;
    const labels = { kind: timing.kind, outcome };
    this.phases.observe({ ...labels, phase: 'total' }, totalMs / 1000);
    if (timing.kind === 'domain-command' || timing.kind === 'service-command') {
      this.phases.observe({ ...labels, phase: 'wait' }, timing.waitMs / 1000);
    }
    if (timing.kind === 'domain-command') this.phases.observe({ ...labels, phase: 'load' }, timing.loadMs / 1000);
    if (timing.kind !== 'publish') this.phases.observe({ ...labels, phase: 'bundle' }, timing.bundleMs / 1000);
    if (timing.kind !== 'query') this.phases.observe({ ...labels, phase: 'append' }, timing.appendMs / 1000);
    this.requests.inc({ kind: timing.kind, outcome, code: errorCode ?? '' });

    if (!this.config.GATEWAY_TELEMETRY) return;
    if (this.batch.length >= TELEMETRY_BATCH_LIMIT) {
      this.dropped.inc();
      return;
    }
    this.batch.push({
      kind: timing.kind,
      payload: timing.payload,
      bundleId: timing.bundleId,
      ...(timing.events.length > 0 ? { events: timing.events } : {}),
      startedAt: timing.startedAt,
      waitMs: round(timing.waitMs),
      loadMs: round(timing.loadMs),
      bundleMs: round(timing.bundleMs),
      appendMs: round(timing.appendMs),
      totalMs: round(totalMs),
      outcome,
      errorCode,
    });
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const samples = this.batch;
    this.batch = [];
    try {
      this.client.publish(TelemetryContracts.gatewaySamples, { gatewayInstanceId: this.config.INSTANCE_ID, samples });
    } catch (error) {
      this.logger.warn(`Telemetry batch of ${samples.length} samples not sent: ${String(error)}`);
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
