import {
  type BundleTelemetryEnvelope,
  compileValidator,
  EventoError,
  GatewaySample,
  type GatewayTelemetryEnvelope,
  HandlerSample,
  InvocationCount,
  NAME_PATTERN,
  ResourceReport,
  type Validator,
} from '@evento/contracts';
import { MetricsService } from '@evento/platform';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { TelemetryConfig } from '../config/telemetry.config';
import { HandlerMetrics } from '../metrics/handler-metrics';
import { RollupFlusher } from '../storage/rollup.flusher';
import { SenderLimiter } from './sender-limiter';

export const REFUSAL_REASONS = ['malformed', 'rate-limited', 'out-of-window', 'series-limit'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Samples are accepted from a day back (late batches) to five minutes ahead (clock skew). */
export const ACCEPT_PAST_MS = 86_400_000 - 60 * 60_000;
export const ACCEPT_FUTURE_MS = 5 * 60_000;
const MAX_INVOKED_KEYS = 1000;
const LOG_EVERY_MS = 10_000;
const MAX_TRACKED_SENDERS = 10_000;

export interface SenderStats {
  sender: string;
  accepted: number;
  refused: Record<RefusalReason, number>;
  lastSeen: string;
}

/**
 * The contracts' rules, compiled once. The edge checks a batch's envelope; each entry is checked
 * here on its own, so a bad entry is counted and the rest of its batch kept.
 */
const validators = {
  handlerSample: compileValidator(HandlerSample),
  invocation: compileValidator(InvocationCount),
  resources: compileValidator(ResourceReport),
  gatewaySample: compileValidator(GatewaySample),
};

type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** An entry checked against its contract: the clean copy, or the refusal's summary. */
function check<T>(validator: Validator<T>, raw: unknown): Checked<T> {
  try {
    return { ok: true, value: validator(raw) };
  } catch (error) {
    if (error instanceof EventoError) return { ok: false, reason: error.message };
    throw error;
  }
}

const emptyRefusals = (): Record<RefusalReason, number> => ({
  malformed: 0,
  'rate-limited': 0,
  'out-of-window': 0,
  'series-limit': 0,
});

/**
 * Takes the fire-and-forget telemetry batches (served by IngestionMessageController, in the
 * app's queue group so replicas share them). Each batch is rate-limited per sender, its entries
 * validated, and aggregated in memory; nothing refused goes uncounted.
 */
@Injectable()
export class IngestionService implements OnApplicationShutdown {
  private readonly logger = new Logger(IngestionService.name);
  private readonly limiter: SenderLimiter;
  private readonly received: Counter<'kind'>;
  private readonly refused: Counter<'reason'>;
  private readonly senders = new Map<string, SenderStats>();
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly flusher: RollupFlusher,
    private readonly handlerMetrics: HandlerMetrics,
    config: TelemetryConfig,
    metrics: MetricsService,
  ) {
    this.limiter = new SenderLimiter(config.TELEMETRY_SENDER_RATE, config.TELEMETRY_SENDER_BURST);
    this.received = metrics.counter({
      name: 'evento_telemetry_entries_accepted_total',
      help: 'Telemetry entries taken into the rollups, by kind',
      labelNames: ['kind'],
    });
    this.refused = metrics.counter({
      name: 'evento_telemetry_entries_refused_total',
      help: 'Telemetry entries refused, by reason (malformed, rate-limited, out-of-window, series-limit)',
      labelNames: ['reason'],
    });
    for (const reason of REFUSAL_REASONS) this.refused.inc({ reason }, 0);
  }

  /**
   * Writes what is buffered once intake has stopped (the edge drains before the app's
   * shutdown hooks run) and before the database goes away (it closes after this module's hook).
   */
  async onApplicationShutdown(): Promise<void> {
    await this.flusher.flush();
  }

  /** Where ingestion stands, per sender (bounded to the most recent senders). */
  senderStats(): SenderStats[] {
    return [...this.senders.values()].sort((a, b) => a.sender.localeCompare(b.sender));
  }

  /**
   * A bundle's batch whose envelope the edge has checked (unreadable or broken envelopes are
   * counted there); each entry is checked here on its own.
   */
  ingestBundle(envelope: BundleTelemetryEnvelope, now = Date.now()): void {
    const sender = `bundle:${envelope.bundleId}/${envelope.instanceId}`;
    const batch = {
      bundleId: envelope.bundleId,
      instanceId: envelope.instanceId,
      samples: envelope.samples ?? [],
      invocations: envelope.invocations ?? [],
      resources: envelope.resources ?? undefined,
    };
    const entries = batch.samples.length + batch.invocations.length + (batch.resources !== undefined ? 1 : 0);
    if (!this.limiter.take(sender, Math.max(1, entries), now)) return this.refuse(sender, 'rate-limited', entries);

    const buffer = this.flusher.buffer;
    const tally = { accepted: 0, malformed: 0, outOfWindow: 0, overLimit: 0, reason: undefined as string | undefined };
    const malformed = (reason: string) => {
      tally.malformed += 1;
      tally.reason ??= reason;
    };
    let handlerSamples = 0;
    for (const raw of batch.samples) {
      const checked = check(validators.handlerSample, raw);
      if (!checked.ok) {
        malformed(checked.reason);
        continue;
      }
      const sample = checked.value;
      if (!this.inWindow(sample.startedAt, now)) tally.outOfWindow += 1;
      else if (!buffer.addHandlerSample(batch.bundleId, sample)) tally.overLimit += 1;
      else {
        this.handlerMetrics.observe(
          batch.bundleId,
          sample.component,
          sample.handler,
          sample.durationMs,
          sample.outcome === 'error',
        );
        handlerSamples += 1;
      }
    }
    if (handlerSamples > 0) this.received.inc({ kind: 'handler' }, handlerSamples);
    let invocations = 0;
    for (const raw of batch.invocations) {
      const checked = check(validators.invocation, raw);
      if (!checked.ok || !this.validInvoked(checked.value.invoked)) {
        malformed(checked.ok ? 'invoked must map at most 1000 payload names to counts' : checked.reason);
        continue;
      }
      const refused = buffer.addInvocation(batch.bundleId, checked.value, now);
      tally.overLimit += refused;
      if (refused === 0) invocations += 1;
    }
    if (invocations > 0) this.received.inc({ kind: 'invocation' }, invocations);
    tally.accepted = handlerSamples + invocations;
    if (batch.resources !== undefined) {
      const checked = check(validators.resources, batch.resources);
      if (!checked.ok) malformed(checked.reason);
      else if (
        buffer.addResource({
          ...checked.value,
          reportedAt: now,
          bundleId: batch.bundleId,
          instanceId: batch.instanceId,
        })
      ) {
        this.received.inc({ kind: 'resource' });
        tally.accepted += 1;
      } else tally.overLimit += 1;
    }
    this.settle(sender, tally, now);
  }

  /** A gateway's batch whose envelope the edge has checked; each sample is checked here. */
  ingestGateway(envelope: GatewayTelemetryEnvelope, now = Date.now()): void {
    const sender = `gateway:${envelope.gatewayInstanceId}`;
    const entries = envelope.samples.length;
    if (!this.limiter.take(sender, Math.max(1, entries), now)) return this.refuse(sender, 'rate-limited', entries);
    const tally = { accepted: 0, malformed: 0, outOfWindow: 0, overLimit: 0, reason: undefined as string | undefined };
    for (const raw of envelope.samples) {
      const checked = check(validators.gatewaySample, raw);
      if (!checked.ok) {
        tally.malformed += 1;
        tally.reason ??= checked.reason;
      } else if (!this.inWindow(checked.value.startedAt, now)) tally.outOfWindow += 1;
      else if (!this.flusher.buffer.addGatewaySample(checked.value)) tally.overLimit += 1;
      else tally.accepted += 1;
    }
    if (tally.accepted > 0) {
      this.received.inc({ kind: 'gateway' }, tally.accepted);
      // Series-bound refusal here only lowers the gateway's server count; its samples are in.
      this.flusher.buffer.addGatewayInstance(envelope.gatewayInstanceId, now);
    }
    this.settle(sender, tally, now);
  }

  private settle(
    sender: string,
    tally: { accepted: number; malformed: number; outOfWindow: number; overLimit: number; reason?: string },
    now: number,
  ): void {
    this.account(sender, tally.accepted, now);
    if (tally.malformed > 0) this.refuse(sender, 'malformed', tally.malformed, tally.reason);
    if (tally.outOfWindow > 0) this.refuse(sender, 'out-of-window', tally.outOfWindow);
    if (tally.overLimit > 0) this.refuse(sender, 'series-limit', tally.overLimit);
  }

  private inWindow(startedAt: number, now: number): boolean {
    return startedAt >= now - ACCEPT_PAST_MS && startedAt <= now + ACCEPT_FUTURE_MS;
  }

  private validInvoked(invoked: Record<string, number>): boolean {
    const entries = Object.entries(invoked);
    return (
      entries.length <= MAX_INVOKED_KEYS &&
      entries.every(([payload, n]) => NAME_PATTERN.test(payload) && Number.isSafeInteger(n) && n >= 0)
    );
  }

  private stats(sender: string, now: number): SenderStats {
    let stats = this.senders.get(sender);
    if (!stats) {
      if (this.senders.size >= MAX_TRACKED_SENDERS) {
        const oldest = this.senders.keys().next().value;
        if (oldest !== undefined) this.senders.delete(oldest);
      }
      stats = { sender, accepted: 0, refused: emptyRefusals(), lastSeen: new Date(now).toISOString() };
      this.senders.set(sender, stats);
    }
    stats.lastSeen = new Date(now).toISOString();
    return stats;
  }

  private account(sender: string, accepted: number, now: number): void {
    this.stats(sender, now).accepted += accepted;
  }

  private refuse(sender: string, reason: RefusalReason, entries: number, why?: string): void {
    const n = Math.max(1, entries);
    this.refused.inc({ reason }, n);
    this.stats(sender, Date.now()).refused[reason] += n;
    // One line per sender and reason every few seconds: a flood must not flood the logs too.
    const key = `${sender}\u0000${reason}`;
    const now = Date.now();
    if (now - (this.lastLogged.get(key) ?? 0) < LOG_EVERY_MS) return;
    if (this.lastLogged.size > MAX_TRACKED_SENDERS) this.lastLogged.clear();
    this.lastLogged.set(key, now);
    this.logger.warn(`Refused ${n} telemetry entries from ${sender}: ${reason}${why ? ` (${why})` : ''}`);
  }
}
