import {
  type BundleTelemetryBatch,
  type GatewaySample,
  type HandlerSample,
  TelemetryContracts,
} from '@evento/contracts';
import type { NatsConnection } from '@nats-io/transport-node';

/** Env for a telemetry app under test: flushes fast so tests need not wait long. */
export const FAST_FLUSH = { TELEMETRY_FLUSH_MS: '100', TELEMETRY_BUCKET_SECONDS: '10' };

/** The start of the 10 s bucket `bucketsAgo` buckets before the current one. */
export function bucketStart(bucketsAgo: number, bucketMs = 10_000): number {
  return Math.floor(Date.now() / bucketMs) * bucketMs - bucketsAgo * bucketMs;
}

/** A simulated bundle instance: publishes batches on the telemetry subject as the SDK would. */
export class SimulatedBundle {
  constructor(
    private readonly nc: NatsConnection,
    readonly bundleId: string,
    readonly instanceId = `${bundleId}-1`,
  ) {}

  send(batch: Omit<BundleTelemetryBatch, 'bundleId' | 'instanceId'>): void {
    this.nc.publish(
      TelemetryContracts.bundleSamples.subject,
      JSON.stringify({ bundleId: this.bundleId, instanceId: this.instanceId, ...batch }),
    );
  }

  /** Sends the samples in batches of at most `size`. */
  sendSamples(samples: HandlerSample[], size = 500): void {
    for (let i = 0; i < samples.length; i += size) this.send({ samples: samples.slice(i, i + size) });
  }
}

export function sample(overrides: Partial<HandlerSample> & { startedAt: number; durationMs: number }): HandlerSample {
  return { component: 'OrderAggregate', handler: 'handle', payload: 'PlaceOrder', outcome: 'ok', ...overrides };
}

export function gatewaySample(overrides: Partial<GatewaySample> & { startedAt: number }): GatewaySample {
  return {
    kind: 'domain-command',
    payload: 'PlaceOrder',
    bundleId: 'orders',
    waitMs: 1,
    loadMs: 2,
    bundleMs: 3,
    appendMs: 4,
    totalMs: 10,
    outcome: 'ok',
    ...overrides,
  };
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

export async function postJson<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export const iso = (ms: number) => new Date(ms).toISOString();
