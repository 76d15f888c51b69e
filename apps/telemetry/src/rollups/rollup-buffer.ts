import type { GatewaySample, HandlerSample, InvocationCount, ResourceReport } from '@evento/contracts';
import { addToHistogram, mergeHistograms } from './log-histogram';

/** Count, errors, sum, min, max and a log histogram of one series in one time bucket. */
export class DurationStat {
  count = 0;
  errors = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  readonly hist = new Map<number, number>();

  add(ms: number, error: boolean): void {
    this.count += 1;
    if (error) this.errors += 1;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    addToHistogram(this.hist, ms);
  }

  merge(other: DurationStat): void {
    this.count += other.count;
    this.errors += other.errors;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    mergeHistograms(this.hist, other.hist);
  }
}

/** Sum and histogram of one stage of the gateway's work. */
export class StageStat {
  sum = 0;
  readonly hist = new Map<number, number>();

  add(ms: number): void {
    this.sum += ms;
    addToHistogram(this.hist, ms);
  }

  merge(other: StageStat): void {
    this.sum += other.sum;
    mergeHistograms(this.hist, other.hist);
  }
}

export interface HandlerRollup {
  bucketStart: number;
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  stat: DurationStat;
}

export interface InvocationRollup {
  bucketStart: number;
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  /** '' for the handler's executions, else the payload it sent. */
  invokedPayload: string;
  executions: number;
  invocations: number;
}

export interface GatewayRollup {
  bucketStart: number;
  kind: string;
  payload: string;
  bundleId: string;
  total: DurationStat;
  errorCodes: Map<string, number>;
  wait: StageStat;
  load: StageStat;
  bundle: StageStat;
  append: StageStat;
}

export interface ResourceRow extends ResourceReport {
  reportedAt: number;
  bundleId: string;
  instanceId: string;
}

/** What one flush writes. */
export interface RollupSnapshot {
  handlers: HandlerRollup[];
  invocations: InvocationRollup[];
  gateway: GatewayRollup[];
  resources: ResourceRow[];
  /** Gateway instance id → when it last sent samples (epoch ms): the gateway station's servers. */
  gatewayInstances: Map<string, number>;
}

/** Gateway executions and the events they appended go in the invocation table under this component. */
export const GATEWAY_COMPONENT = '$gateway';

// Names are validated against patterns that exclude control characters, so NUL separates safely.
const SEP = '\u0000';

/**
 * Samples aggregated in memory per time bucket and series until the next flush, so the
 * database sees one batched write per flush instead of one per sample. The number of series
 * held is bounded: past the bound new series are refused (and counted by the caller).
 */
export class RollupBuffer {
  private handlers = new Map<string, HandlerRollup>();
  private invocations = new Map<string, InvocationRollup>();
  private gateway = new Map<string, GatewayRollup>();
  private resources: ResourceRow[] = [];
  private gatewayInstances = new Map<string, number>();

  constructor(
    private readonly bucketMs: number,
    private readonly maxSeries: number,
  ) {}

  get series(): number {
    return (
      this.handlers.size +
      this.invocations.size +
      this.gateway.size +
      this.resources.length +
      this.gatewayInstances.size
    );
  }

  get empty(): boolean {
    return this.series === 0;
  }

  bucketOf(epochMs: number): number {
    return Math.floor(epochMs / this.bucketMs) * this.bucketMs;
  }

  addHandlerSample(bundleId: string, sample: HandlerSample): boolean {
    const bucketStart = this.bucketOf(sample.startedAt);
    const key = [bucketStart, bundleId, sample.component, sample.handler, sample.payload].join(SEP);
    let rollup = this.handlers.get(key);
    if (!rollup) {
      if (this.series >= this.maxSeries) return false;
      const { component, handler, payload } = sample;
      rollup = { bucketStart, bundleId, component, handler, payload, stat: new DurationStat() };
      this.handlers.set(key, rollup);
    }
    rollup.stat.add(sample.durationMs, sample.outcome === 'error');
    return true;
  }

  /** Returns how many invoked payloads could not be taken (series bound). */
  addInvocation(bundleId: string, count: InvocationCount, at: number): number {
    const bucketStart = this.bucketOf(at);
    let refused = 0;
    const base = { bucketStart, bundleId, component: count.component, handler: count.handler, payload: count.payload };
    if (!this.addEdge({ ...base, invokedPayload: '', executions: count.executions, invocations: 0 })) return 1;
    for (const [invokedPayload, n] of Object.entries(count.invoked)) {
      if (!this.addEdge({ ...base, invokedPayload, executions: 0, invocations: n })) refused += 1;
    }
    return refused;
  }

  addGatewaySample(sample: GatewaySample): boolean {
    const bucketStart = this.bucketOf(sample.startedAt);
    const bundleId = sample.bundleId ?? '';
    const key = [bucketStart, sample.kind, sample.payload, bundleId].join(SEP);
    let rollup = this.gateway.get(key);
    if (!rollup) {
      if (this.series >= this.maxSeries) return false;
      rollup = {
        bucketStart,
        kind: sample.kind,
        payload: sample.payload,
        bundleId,
        total: new DurationStat(),
        errorCodes: new Map(),
        wait: new StageStat(),
        load: new StageStat(),
        bundle: new StageStat(),
        append: new StageStat(),
      };
      this.gateway.set(key, rollup);
    }
    const error = sample.outcome === 'error';
    rollup.total.add(sample.totalMs, error);
    if (error) {
      const code = sample.errorCode ?? 'UNKNOWN';
      rollup.errorCodes.set(code, (rollup.errorCodes.get(code) ?? 0) + 1);
    }
    rollup.wait.add(sample.waitMs);
    rollup.load.add(sample.loadMs);
    rollup.bundle.add(sample.bundleMs);
    rollup.append.add(sample.appendMs);
    // The events a command appended are edges of the flow graph: command handler → event.
    const edge = { bucketStart, bundleId, component: GATEWAY_COMPONENT, handler: sample.kind, payload: sample.payload };
    this.addEdge({ ...edge, invokedPayload: '', executions: 1, invocations: 0 });
    for (const eventName of sample.events ?? []) {
      this.addEdge({ ...edge, invokedPayload: eventName, executions: 0, invocations: 1 });
    }
    return true;
  }

  /** Notes that a gateway instance sent samples at `at`; false past the series bound. */
  addGatewayInstance(instanceId: string, at: number): boolean {
    const seen = this.gatewayInstances.get(instanceId);
    if (seen === undefined && this.series >= this.maxSeries) return false;
    this.gatewayInstances.set(instanceId, Math.max(seen ?? 0, at));
    return true;
  }

  addResource(row: ResourceRow): boolean {
    if (this.series >= this.maxSeries) return false;
    this.resources.push(row);
    return true;
  }

  /** Takes everything aggregated so far and starts afresh. */
  drain(): RollupSnapshot {
    const snapshot = {
      handlers: [...this.handlers.values()],
      invocations: [...this.invocations.values()],
      gateway: [...this.gateway.values()],
      resources: this.resources,
      gatewayInstances: this.gatewayInstances,
    };
    this.gatewayInstances = new Map();
    this.handlers = new Map();
    this.invocations = new Map();
    this.gateway = new Map();
    this.resources = [];
    return snapshot;
  }

  /** Puts back a snapshot whose write failed, merged with what arrived meanwhile, so the next flush retries it. */
  restore(snapshot: RollupSnapshot): void {
    for (const rollup of snapshot.handlers) {
      const key = [rollup.bucketStart, rollup.bundleId, rollup.component, rollup.handler, rollup.payload].join(SEP);
      const current = this.handlers.get(key);
      if (current) current.stat.merge(rollup.stat);
      else this.handlers.set(key, rollup);
    }
    for (const rollup of snapshot.invocations) this.addEdge(rollup, true);
    for (const rollup of snapshot.gateway) {
      const key = [rollup.bucketStart, rollup.kind, rollup.payload, rollup.bundleId].join(SEP);
      const current = this.gateway.get(key);
      if (!current) {
        this.gateway.set(key, rollup);
        continue;
      }
      current.total.merge(rollup.total);
      for (const [code, n] of rollup.errorCodes) current.errorCodes.set(code, (current.errorCodes.get(code) ?? 0) + n);
      current.wait.merge(rollup.wait);
      current.load.merge(rollup.load);
      current.bundle.merge(rollup.bundle);
      current.append.merge(rollup.append);
    }
    this.resources = [...snapshot.resources, ...this.resources];
    for (const [id, at] of snapshot.gatewayInstances) {
      this.gatewayInstances.set(id, Math.max(this.gatewayInstances.get(id) ?? 0, at));
    }
  }

  private addEdge(edge: InvocationRollup, force = false): boolean {
    const key = [edge.bucketStart, edge.bundleId, edge.component, edge.handler, edge.payload, edge.invokedPayload].join(
      SEP,
    );
    const current = this.invocations.get(key);
    if (current) {
      current.executions += edge.executions;
      current.invocations += edge.invocations;
      return true;
    }
    if (!force && this.series >= this.maxSeries) return false;
    this.invocations.set(key, { ...edge });
    return true;
  }
}
