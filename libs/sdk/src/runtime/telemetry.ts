import {
  type BundleTelemetryBatch,
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

/**
 * Handler service times and what each handler sent, sampled and published fire-and-forget in
 * batches on `evento.v1.telemetry.samples.bundle`. A lost batch costs nothing but its samples.
 */
export class Telemetry {
  private samples: HandlerSample[] = [];
  private invocations = new Map<string, InvocationCount>();
  private timer?: NodeJS.Timeout;
  private readonly rate: number;
  private readonly enabled: boolean;

  constructor(
    private readonly options: TelemetryOptions,
    private readonly identity: () => { bundleId: string; instanceId: string },
    private readonly transport: () => Transport | undefined,
    private readonly resources: () => BundleTelemetryBatch['resources'],
  ) {
    this.enabled = options.enabled ?? true;
    this.rate = Math.min(1, Math.max(0, options.sampleRate ?? 1));
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => this.flush(), this.options.flushIntervalMs ?? 5_000);
    this.timer.unref();
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

  flush(): void {
    const transport = this.transport();
    if (!this.enabled || !transport) return;
    const batch: BundleTelemetryBatch = { ...this.identity(), resources: this.resources() };
    if (this.samples.length > 0) batch.samples = this.samples;
    if (this.invocations.size > 0) batch.invocations = [...this.invocations.values()];
    this.samples = [];
    this.invocations = new Map();
    transport.publish(TelemetryContracts.bundleSamples, batch);
  }
}
