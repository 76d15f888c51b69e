import type { InstanceStatus, ScalingSignalKind } from '@evento/contracts';
import type { RuleVerdict } from '../observation/telemetry.client';
import type { LatestSignal } from '../signals/signals.repository';

/** The slice of a policy a decision needs. */
export interface PolicyLimits {
  minInstances: number;
  maxInstances: number;
  step: number;
  cooldownUpMs: number;
  cooldownDownMs: number;
  autorun: boolean;
}

export interface ObservedInstance {
  instanceId: string;
  status: InstanceStatus;
}

export interface DecisionInput {
  now: number;
  policy: PolicyLimits;
  /** Live instances per the registry (gone ones left out). */
  instances: ObservedInstance[];
  /** Starts requested and not yet registered (nor timed out). */
  pendingStarts: number;
  /** Instances told to drain that have not left yet. */
  draining: ReadonlySet<string>;
  /** Drains of instances the actuator picks (Kubernetes), not yet visible as gone. */
  anonymousDrains: number;
  /** Latest signal of each instance within the window. */
  signals: ReadonlyMap<string, LatestSignal>;
  /** The policy's telemetry rules as measured this round (absent or empty: none, or telemetry unreachable). */
  rules?: RuleVerdict[];
  lastUpAt?: number;
  lastDownAt?: number;
}

/** What the numbers were when the decision was taken; stored with it. */
export interface DecisionInputs {
  available: number;
  starting: number;
  unavailable: number;
  pendingStarts: number;
  draining: number;
  effective: number;
  suffering: string[];
  bored: string[];
  min: number;
  max: number;
  /** Each rule with its measured value and whether it fired (only when the policy has rules). */
  rules?: Array<RuleVerdict & { breached: boolean }>;
}

export type Decision =
  | { action: 'none'; inputs: DecisionInputs }
  | { action: 'hold'; reason: string; target: number; inputs: DecisionInputs }
  | { action: 'up'; count: number; target: number; reason: string; inputs: DecisionInputs }
  | { action: 'down'; count: number; target: number; reason: string; victims: string[]; inputs: DecisionInputs };

/**
 * The scaling rule, free of I/O so it can be tested on its own. Instances that count:
 * available and joined ones (starting) plus starts requested but not registered yet, minus
 * those being drained. In order:
 * 1. fewer than `min` → start the difference (no signal needed; with autorun off only while one runs);
 * 2. more than `max` → drain the excess;
 * 3. an available instance suffering, or a telemetry rule above its threshold while one is
 *    available → start up to `step`, within `max`, after `cooldownUpMs`;
 * 4. an available instance bored (none suffering, none starting) → drain up to `step` of the
 *    bored ones, least loaded first, down to `min`, after `cooldownDownMs` since any scaling.
 */
export function decide(input: DecisionInput): Decision {
  const { policy, now } = input;
  const counted = input.instances.filter((i) => !input.draining.has(i.instanceId));
  const available = counted.filter((i) => i.status === 'available');
  const starting = counted.filter((i) => i.status === 'joined');
  const unavailable = input.instances.length - available.length - starting.length;
  const effective = Math.max(0, available.length + starting.length + input.pendingStarts - input.anonymousDrains);
  const latest = (kind: ScalingSignalKind) =>
    available.filter((i) => input.signals.get(i.instanceId)?.signal === kind).map((i) => i.instanceId);
  const suffering = latest('suffering');
  const bored = latest('bored');
  const verdicts = (input.rules ?? []).map((rule) => ({
    ...rule,
    // Measurements describe instances that serve: with none available they are stale or empty.
    breached: available.length > 0 && rule.value !== null && rule.value > rule.threshold,
  }));
  const breached = verdicts.filter((rule) => rule.breached);
  const inputs: DecisionInputs = {
    available: available.length,
    starting: starting.length,
    unavailable,
    pendingStarts: input.pendingStarts,
    draining: input.draining.size + input.anonymousDrains,
    effective,
    suffering,
    bored,
    min: policy.minInstances,
    max: policy.maxInstances,
    ...(verdicts.length > 0 ? { rules: verdicts } : {}),
  };

  if (effective < policy.minInstances) {
    if (!policy.autorun && input.instances.length === 0) return { action: 'none', inputs };
    const count = policy.minInstances - effective;
    return {
      action: 'up',
      count,
      target: policy.minInstances,
      reason: `below min: ${effective} < ${policy.minInstances}`,
      inputs,
    };
  }
  if (effective > policy.maxInstances) {
    const victims = leastLoaded(
      available.map((i) => i.instanceId),
      input.signals,
    ).slice(0, effective - policy.maxInstances);
    if (victims.length > 0) {
      return {
        action: 'down',
        count: victims.length,
        target: effective - victims.length,
        reason: `above max: ${effective} > ${policy.maxInstances}`,
        victims,
        inputs,
      };
    }
    return { action: 'none', inputs };
  }
  if (suffering.length > 0 || breached.length > 0) {
    // Holds name the rules without their values, so a lasting hold is recorded once, not each round.
    const why = [
      ...(suffering.length > 0 ? [`${suffering.length} suffering`] : []),
      ...breached.map((rule) => ruleLabel(rule)),
    ].join(', ');
    if (effective >= policy.maxInstances) {
      return { action: 'hold', reason: `${why}, at max ${policy.maxInstances}`, target: effective, inputs };
    }
    const since = input.lastUpAt === undefined ? Infinity : now - input.lastUpAt;
    if (since < policy.cooldownUpMs) {
      return { action: 'hold', reason: `${why}, cooling down after the last scale-up`, target: effective, inputs };
    }
    const count = Math.min(policy.step, policy.maxInstances - effective);
    const measured = [
      ...(suffering.length > 0 ? [`${suffering.length} suffering`] : []),
      ...breached.map((rule) => `${ruleLabel(rule)} (measured ${round(rule.value!)})`),
    ].join(', ');
    return { action: 'up', count, target: effective + count, reason: measured, inputs };
  }
  if (bored.length > 0) {
    if (input.pendingStarts > 0 || starting.length > 0) {
      return { action: 'hold', reason: `${bored.length} bored, instances still starting`, target: effective, inputs };
    }
    if (effective <= policy.minInstances) {
      return {
        action: 'hold',
        reason: `${bored.length} bored, at min ${policy.minInstances}`,
        target: effective,
        inputs,
      };
    }
    const last = Math.max(input.lastUpAt ?? -Infinity, input.lastDownAt ?? -Infinity);
    if (now - last < policy.cooldownDownMs) {
      return {
        action: 'hold',
        reason: `${bored.length} bored, cooling down after the last scaling`,
        target: effective,
        inputs,
      };
    }
    const count = Math.min(policy.step, effective - policy.minInstances, bored.length);
    const victims = leastLoaded(bored, input.signals).slice(0, count);
    return { action: 'down', count, target: effective - count, reason: `${bored.length} bored`, victims, inputs };
  }
  return { action: 'none', inputs };
}

function ruleLabel(rule: RuleVerdict): string {
  const scope = rule.component ? `[${rule.component}]` : '';
  return `rule ${rule.metric}${scope} > ${rule.threshold} over ${rule.windowMs} ms`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Bored before anything else, then fewest requests in flight, then by id (stable). */
function leastLoaded(ids: string[], signals: ReadonlyMap<string, LatestSignal>): string[] {
  const rank = (id: string) => (signals.get(id)?.signal === 'bored' ? 0 : 1);
  const load = (id: string) => signals.get(id)?.inFlight ?? 0;
  return [...ids].sort((a, b) => rank(a) - rank(b) || load(a) - load(b) || a.localeCompare(b));
}
