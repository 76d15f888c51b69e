import {
  type BundleTelemetryBatch,
  type ConsumerLag,
  type HandlerSample,
  type InvocationCount,
  TELEMETRY_BATCH_LIMIT,
  TelemetryContracts,
} from '@evento/contracts';
import type { HandlerScope } from './scope';
import type { Transport } from './transport';

export interface TelemetryOptions {
  /** Send telemetry at all (default true). */
  enabled?: boolean;
  /** Share of handler executions sampled, 0 to 1 (default 1). */
  sampleRate?: number;
  /** How often a batch is published (default 5000 ms). */
  flushIntervalMs?: number;
}

/** At most this many consumers per resource report (the contract's bound). */
const MAX_REPORTED_CONSUMERS = 1_000;

/**
 * Handler service times and what each handler sent, sampled and published fire-and-forget in
 * batches on `evento.v1.telemetry.samples.bundle`, with the instance's resources and the lag of
 * each consumer active here (what the scaler's `consumerLag` rule reads). A lost batch costs
 * nothing but its samples.
 */
export class Telemetry {
  private samples: HandlerSample[] = [];
  private invocations = new Map<string, InvocationCount>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private readonly rate: number;
  private readonly enabled: boolean;

  constructor(
    private readonly options: TelemetryOptions,
    private readonly identity: () => { bundleId: string; instanceId: string },
    private readonly transport: () => Transport | undefined,
    private readonly resources: () => BundleTelemetryBatch['resources'],
    /** Measured at each periodic flush; may ask the event store, so it is asynchronous. */
    private readonly consumerLags: () => Promise<ConsumerLag[]> = () => Promise.resolve([]),
  ) {
    this.enabled = options.enabled ?? true;
    this.rate = Math.min(1, Math.max(0, options.sampleRate ?? 1));
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.flushIntervalMs ?? 5_000);
    this.timer.unref();
  }

  /** A periodic flush: the consumers' lag first, then the batch. Never two at once. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const consumers = await this.consumerLags().catch(() => undefined);
      // Stopped meanwhile: stop() has flushed what there was.
      if (this.timer) this.flush(consumers);
    } finally {
      this.ticking = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  record(scope: HandlerScope, startedAt: number, outcome: 'ok' | 'error'): void {
    if (!this.enabled || Math.random() >= this.rate) return;
    if (this.samples.length < TELEMETRY_BATCH_LIMIT) {
      this.samples.push({
        component: scope.component,
        handler: scope.handler,
        payload: scope.payload,
        startedAt,
        durationMs: Math.max(0, Date.now() - startedAt),
        outcome,
      });
    }
    const key = `${scope.component}\u0001${scope.handler}\u0001${scope.payload}`;
    let count = this.invocations.get(key);
    if (!count) {
      if (this.invocations.size >= TELEMETRY_BATCH_LIMIT) return;
      count = {
        component: scope.component,
        handler: scope.handler,
        payload: scope.payload,
        executions: 0,
        invoked: {},
      };
      this.invocations.set(key, count);
    }
    count.executions += 1;
    for (const [payload, times] of scope.invoked) count.invoked[payload] = (count.invoked[payload] ?? 0) + times;
  }

  /** Publishes what was recorded since the last batch, with the resources and the given lags. */
  flush(consumers?: ConsumerLag[]): void {
    const transport = this.transport();
    if (!this.enabled || !transport) return;
    const resources = this.resources();
    if (resources && consumers && consumers.length > 0) {
      resources.consumers = consumers.slice(0, MAX_REPORTED_CONSUMERS);
    }
    const batch: BundleTelemetryBatch = { ...this.identity(), resources };
    if (this.samples.length > 0) batch.samples = this.samples;
    if (this.invocations.size > 0) batch.invocations = [...this.invocations.values()];
    this.samples = [];
    this.invocations = new Map();
    transport.publish(TelemetryContracts.bundleSamples, batch);
  }
}
