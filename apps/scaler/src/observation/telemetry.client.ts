import { type BundleStatsResult, TelemetryContracts } from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { Injectable, Logger } from '@nestjs/common';
import type { ScalingRuleView } from '../policies/dto/policy.dto';

/** Short: the scaler's round must not wait on telemetry. */
const TELEMETRY_TIMEOUT_MS = 1_000;
/** Telemetry unreachable is logged at most this often, not every round. */
const WARN_EVERY_MS = 60_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A telemetry rule of the policy and what telemetry measured for it (null: nothing measured). */
export interface RuleVerdict {
  metric: string;
  threshold: number;
  windowMs: number;
  component?: string;
  value: number | null;
}

/** Measures a policy's telemetry rules by asking the telemetry app (TelemetryContracts.bundleStats). */
@Injectable()
export class TelemetryClient {
  private readonly logger = new Logger(TelemetryClient.name);
  private lastWarnAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly client: EventoClient) {}

  /**
   * One verdict per rule, or none at all when telemetry does not answer in time: the rules are
   * then ignored this round (logged once a minute) and the signals alone decide.
   */
  async verdicts(bundleId: string, rules: ScalingRuleView[]): Promise<RuleVerdict[]> {
    if (rules.length === 0) return [];
    // Rules that read the same window and component share one request.
    const key = (rule: ScalingRuleView) =>
      `${rule.windowMs}|${rule.metric === 'p95ServiceTimeMs' ? (rule.component ?? '') : ''}`;
    const requests = new Map<string, Promise<BundleStatsResult>>();
    for (const rule of rules) {
      const k = key(rule);
      if (requests.has(k)) continue;
      const component = rule.metric === 'p95ServiceTimeMs' ? rule.component : undefined;
      requests.set(
        k,
        this.client.request(
          TelemetryContracts.bundleStats,
          { bundleId, windowMs: rule.windowMs, ...(component ? { component } : {}) },
          { timeoutMs: TELEMETRY_TIMEOUT_MS },
        ),
      );
    }
    try {
      const results = new Map<string, BundleStatsResult>();
      await Promise.all([...requests].map(async ([k, request]) => results.set(k, await request)));
      return rules.map((rule) => {
        const stats = results.get(key(rule))!;
        const value = rule.metric === 'p95ServiceTimeMs' ? stats.p95ServiceTimeMs : stats.maxConsumerLag;
        return { ...rule, value: typeof value === 'number' && Number.isFinite(value) ? value : null };
      });
    } catch (error) {
      // Every request settles before its promise is dropped, so none rejects unhandled.
      await Promise.allSettled(requests.values());
      const now = Date.now();
      if (now - this.lastWarnAt >= WARN_EVERY_MS) {
        this.lastWarnAt = now;
        this.logger.warn(`Telemetry rules of ${bundleId} ignored: telemetry did not answer (${message(error)})`);
      }
      return [];
    }
  }
}
