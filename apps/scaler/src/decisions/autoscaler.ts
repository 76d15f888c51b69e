import { type ListedInstance, ScalerContracts, type ScalingDecisionNotice } from '@evento/contracts';
import { EventoClient, MetricsService } from '@evento/platform';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ActuatorError, type ActuatorRequest } from '../actuators/actuator';
import { KubernetesActuator } from '../actuators/kubernetes.actuator';
import { ScriptActuator } from '../actuators/script.actuator';
import { ScalerConfig } from '../config/scaler.config';
import { LeaderElection, type Sql } from '../leader/leader-election';
import { ClusterClient } from '../observation/cluster.client';
import { TelemetryClient } from '../observation/telemetry.client';
import type { PolicyView } from '../policies/dto/policy.dto';
import { PoliciesRepository } from '../policies/policies.repository';
import { SignalsIngest } from '../signals/signals.ingest';
import { SignalsRepository } from '../signals/signals.repository';
import { decide, type Decision } from './decision-engine';
import { DecisionsRepository, type OperationRow } from './decisions.repository';
import type { DecisionView } from './dto/decision.dto';

/** How far a registered instance's join may precede the start it settles (clock and ordering slack). */
const JOIN_SLACK_MS = 2_000;
/** A drained instance that died without a goodbye leaves when its lease expires: wait for that too. */
const DRAIN_SLACK_MS = 15_000;
/** How long the decision log keeps finished decisions. */
const DECISION_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** How long shutdown waits for an actuator call in progress. */
const SHUTDOWN_WAIT_MS = 3_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The active scaler's loop. Every SCALER_TICK_MS (and soon after a signal) it takes each
 * enabled policy, observes the bundle's instances in the registry, settles the starts and
 * drains it asked for (registered? left?), and applies the decision rule (./decision-engine.ts).
 * A decision and the starts or drains it asks for are written in one transaction on the
 * leader's connection before any actuator runs, so a standby taking over counts them and never
 * repeats them. One actuator call per bundle at a time; failed calls back off exponentially.
 */
@Injectable()
export class Autoscaler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Autoscaler.name);
  private timer?: NodeJS.Timeout;
  private kickTimer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private again = false;
  private stopped = false;
  private ticks = 0;
  private readonly busy = new Set<string>();
  private readonly work = new Set<Promise<unknown>>();
  /** The last hold recorded per bundle, so a lasting condition is logged once, not every tick. */
  private readonly lastHold = new Map<string, string>();
  private readonly decisionsTotal;
  private readonly outcomesTotal;
  private readonly instancesGauge;

  constructor(
    private readonly leader: LeaderElection,
    private readonly policies: PoliciesRepository,
    private readonly signals: SignalsRepository,
    private readonly decisions: DecisionsRepository,
    private readonly cluster: ClusterClient,
    private readonly telemetry: TelemetryClient,
    private readonly script: ScriptActuator,
    private readonly kubernetes: KubernetesActuator,
    private readonly client: EventoClient,
    private readonly config: ScalerConfig,
    ingest: SignalsIngest,
    metrics: MetricsService,
  ) {
    this.decisionsTotal = metrics.counter({
      name: 'evento_scaler_decisions_total',
      help: 'Scaling decisions recorded, by bundle and action (up, down, hold)',
      labelNames: ['bundle', 'action'],
    });
    this.outcomesTotal = metrics.counter({
      name: 'evento_scaler_decision_outcomes_total',
      help: 'Outcomes of scaling decisions, by bundle, action and outcome',
      labelNames: ['bundle', 'action', 'outcome'],
    });
    this.instancesGauge = metrics.gauge({
      name: 'evento_scaler_instances',
      help: 'Instances the active scaler counted at its last look, by bundle and state',
      labelNames: ['bundle', 'state'],
    });
    ingest.onSignal(() => this.kick());
    leader.onElected(() => {
      this.ticks = 0; // a new term starts by settling what the previous leader left
      this.lastHold.clear();
      this.kick();
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tickSoon(), this.config.SCALER_TICK_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.kickTimer);
    await this.ticking;
    await Promise.race([
      Promise.allSettled([...this.work]),
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref()),
    ]);
  }

  /** A signal arrived or leadership changed: look soon, without waiting for the next tick. */
  private kick(): void {
    if (!this.leader.isLeader || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      this.tickSoon();
    }, 50);
  }

  private tickSoon(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (this.again) {
        this.again = false;
        this.tickSoon();
      }
    });
  }

  private async tick(): Promise<void> {
    if (!this.leader.isLeader) return;
    try {
      if (this.ticks++ === 0) await this.abandonForeign();
      const policies = await this.policies.enabled();
      for (const policy of policies) {
        if (this.stopped || !this.leader.isLeader) return;
        if (this.busy.has(policy.bundleId)) continue;
        await this.evaluate(policy).catch((error: unknown) =>
          this.logger.warn(`Scaling ${policy.bundleId} skipped this round: ${message(error)}`),
        );
      }
      if (this.ticks % 60 === 0) await this.signals.prune(this.config.SCALER_SIGNAL_WINDOW_MS * 4);
      if (this.ticks % 3600 === 1) await this.decisions.prune(DECISION_RETENTION_MS);
    } catch (error) {
      this.logger.warn(`Scaler round failed: ${message(error)}`);
    }
  }

  /** Decisions a previous active scaler left pending with nothing to settle them. */
  private async abandonForeign(): Promise<void> {
    const abandoned = await this.leader.run((sql) => this.decisions.abandonForeign(sql, this.config.INSTANCE_ID));
    for (const decision of abandoned) this.finished(decision);
  }

  async evaluate(policy: PolicyView): Promise<void> {
    const bundleId = policy.bundleId;
    const instances = await this.cluster.instances(bundleId);
    const state = await this.leader.transaction(async (sql) => {
      const now = await this.decisions.now(sql);
      await this.settleOperations(sql, bundleId, instances);
      const settled = await this.decisions.settleFromOperations(sql, bundleId, this.config.INSTANCE_ID);
      const pending = await this.decisions.pendingOperations(sql, bundleId);
      const last = await this.decisions.lastScaling(sql, bundleId);
      const failures = await this.decisions.failuresInARow(sql, bundleId);
      return { now, settled, pending, last, failures };
    });
    for (const decision of state.settled) this.finished(decision);

    if (state.failures.count > 0 && state.failures.lastAt !== undefined) {
      const backoff = Math.min(
        this.config.ACTUATOR_RETRY_BASE_MS * 2 ** Math.min(state.failures.count - 1, 30),
        this.config.ACTUATOR_RETRY_MAX_MS,
      );
      if (state.now < state.failures.lastAt + backoff) return;
    }

    const starts = state.pending.filter((op) => op.kind === 'start');
    const drains = state.pending.filter((op) => op.kind === 'drain');
    const decision = decide({
      now: state.now,
      policy,
      instances: instances.map((i) => ({ instanceId: i.instanceId, status: i.status })),
      pendingStarts: starts.length,
      draining: new Set(drains.flatMap((op) => (op.instanceId ? [op.instanceId] : []))),
      anonymousDrains: drains.filter((op) => !op.instanceId).length,
      signals: await this.signals.latest(bundleId, this.config.SCALER_SIGNAL_WINDOW_MS),
      rules: await this.telemetry.verdicts(bundleId, policy.rules),
      lastUpAt: state.last.up,
      lastDownAt: state.last.down,
    });
    for (const [key, value] of Object.entries({
      available: decision.inputs.available,
      starting: decision.inputs.starting,
      unavailable: decision.inputs.unavailable,
      pending: decision.inputs.pendingStarts,
      draining: decision.inputs.draining,
    })) {
      this.instancesGauge.set({ bundle: bundleId, state: key }, value);
    }
    await this.act(policy, decision);
  }

  /** Starts that registered, drains that left, and those that ran out of time. */
  private async settleOperations(sql: Sql, bundleId: string, instances: ListedInstance[]): Promise<void> {
    const operations = await this.decisions.pendingOperations(sql, bundleId);
    if (operations.length === 0) return;
    const live = new Map(instances.map((i) => [i.instanceId, i]));
    const matched = await this.decisions.matchedInstances(sql, bundleId);
    const named = new Set(operations.flatMap((op) => (op.kind === 'start' && op.instanceId ? [op.instanceId] : [])));
    const running = instances.filter((i) => i.status === 'available' || i.status === 'joined').length;
    for (const op of operations) {
      const outcome = this.settle(op, live, matched, named, running);
      if (!outcome) continue;
      if (outcome.matched) matched.add(outcome.matched);
      await this.decisions.settleOperation(sql, op.id, outcome.state, outcome.matched ?? null, outcome.detail ?? null);
    }
  }

  private settle(
    op: OperationRow,
    live: Map<string, ListedInstance>,
    matched: Set<string>,
    named: Set<string>,
    running: number,
  ): { state: 'done' | 'expired'; matched?: string; detail?: string } | undefined {
    if (op.kind === 'start') {
      if (op.instanceId && live.has(op.instanceId)) return { state: 'done', matched: op.instanceId };
      if (!op.instanceId) {
        const since = op.requestedAtMs - JOIN_SLACK_MS;
        const newcomer = [...live.values()].find(
          (i) => !matched.has(i.instanceId) && !named.has(i.instanceId) && Date.parse(i.joinedAt) >= since,
        );
        if (newcomer) return { state: 'done', matched: newcomer.instanceId };
      }
      if (op.expired) return { state: 'expired', detail: 'did not register in time' };
      return undefined;
    }
    if (op.instanceId ? !live.has(op.instanceId) : running <= op.target) return { state: 'done' };
    if (op.expired) return { state: 'expired', detail: 'did not leave in time' };
    return undefined;
  }

  private async act(policy: PolicyView, decision: Decision): Promise<void> {
    const bundleId = policy.bundleId;
    if (decision.action === 'none') return;
    if (decision.action === 'hold') {
      if (this.lastHold.get(bundleId) === decision.reason) return;
      this.lastHold.set(bundleId, decision.reason);
      const held = await this.leader.run((sql) =>
        this.decisions.insert(sql, {
          bundleId,
          action: 'hold',
          count: 0,
          target: decision.target,
          reason: decision.reason,
          inputs: decision.inputs,
          actuator: policy.actuator.kind,
          outcome: 'held',
          scalerInstanceId: this.config.INSTANCE_ID,
        }),
      );
      this.recorded(held);
      return;
    }
    this.lastHold.delete(bundleId);
    const kind = policy.actuator.kind;
    const dryRun = kind === 'none';
    const up = decision.action === 'up';
    // The deploy script is told which ids to use, so each start is settled by exactly its instance.
    const instanceIds =
      up && kind === 'script'
        ? Array.from({ length: decision.count }, () => `${bundleId}-${randomBytes(5).toString('hex')}`)
        : [];
    const operationIds: Array<string | null> = up
      ? kind === 'script'
        ? instanceIds
        : Array.from({ length: decision.count }, () => null)
      : kind === 'kubernetes'
        ? Array.from({ length: decision.count }, () => null)
        : decision.victims;
    const timeoutMs = up ? policy.startTimeoutMs : policy.drainTimeoutMs + DRAIN_SLACK_MS;
    const recorded = await this.leader.transaction(async (sql) => {
      const row = await this.decisions.insert(sql, {
        bundleId,
        action: decision.action,
        count: decision.count,
        target: decision.target,
        reason: decision.reason,
        inputs: { ...decision.inputs, ...(up ? { instanceIds } : { victims: decision.victims }) },
        actuator: kind,
        outcome: dryRun ? 'dry-run' : 'pending',
        scalerInstanceId: this.config.INSTANCE_ID,
      });
      await this.decisions.addOperations(
        sql,
        row.decisionId,
        bundleId,
        up ? 'start' : 'drain',
        operationIds,
        timeoutMs,
      );
      return row;
    });
    this.recorded(recorded);
    this.logger.log(
      `${bundleId}: ${decision.action} ${decision.count} to ${decision.target} (${decision.reason})${dryRun ? ' [dry run]' : ''}`,
    );
    if (dryRun) return;

    const request: ActuatorRequest = {
      decisionId: recorded.decisionId,
      policy,
      count: decision.count,
      target: decision.target,
      instanceIds,
    };
    let job: Promise<unknown>;
    if (kind === 'kubernetes') job = this.actuate(recorded, () => this.kubernetes.scale(request));
    else if (up) job = this.actuate(recorded, () => this.script.start(request));
    else job = this.drain(recorded, policy, decision.action === 'down' ? decision.victims : []);
    this.busy.add(bundleId);
    const tracked = job.finally(() => {
      this.busy.delete(bundleId);
      this.work.delete(tracked);
      this.kick();
    });
    this.work.add(tracked);
  }

  private async actuate(decision: DecisionView, call: () => Promise<{ output: string }>): Promise<void> {
    let finished: DecisionView | null;
    try {
      const result = await call();
      finished = await this.leader.run((sql) =>
        this.decisions.finish(sql, decision.decisionId, 'succeeded', result.output, null),
      );
    } catch (error) {
      const output = error instanceof ActuatorError ? error.output : '';
      this.logger.warn(`${decision.bundleId}: decision ${decision.decisionId} failed: ${message(error)}`);
      finished = await this.leader
        .transaction(async (sql) => {
          await this.decisions.failOperations(sql, decision.decisionId, 'the actuator failed');
          return this.decisions.finish(sql, decision.decisionId, 'failed', output || null, message(error));
        })
        .catch((writeError: unknown) => {
          this.logger.warn(`Could not record the failure of ${decision.decisionId}: ${message(writeError)}`);
          return null;
        });
    }
    if (finished) this.finished(finished);
  }

  /** Tells each victim to drain; that it left is confirmed later from the registry's view. */
  private async drain(decision: DecisionView, policy: PolicyView, victims: string[]): Promise<void> {
    const operations = await this.leader.run((sql) => this.decisions.pendingOperations(sql, policy.bundleId));
    for (const instanceId of victims) {
      const op = operations.find((o) => o.decisionId === decision.decisionId && o.instanceId === instanceId);
      let failure: string | undefined;
      try {
        const reply = await this.cluster.drain(policy.bundleId, instanceId, decision.reason, policy.drainTimeoutMs);
        if (!reply.accepted) failure = 'the instance refused to drain';
      } catch (error) {
        failure = `drain request failed: ${message(error)}`;
      }
      if (failure && op) {
        this.logger.warn(`${policy.bundleId}: ${instanceId}: ${failure}`);
        await this.leader
          .run((sql) => this.decisions.settleOperation(sql, op.id, 'failed', null, failure))
          .catch(() => undefined);
      }
    }
  }

  private recorded(decision: DecisionView): void {
    this.decisionsTotal.inc({ bundle: decision.bundleId, action: decision.action });
    if (decision.outcome !== 'pending') {
      this.outcomesTotal.inc({ bundle: decision.bundleId, action: decision.action, outcome: decision.outcome });
    }
    this.notify(decision);
  }

  private finished(decision: DecisionView): void {
    this.outcomesTotal.inc({ bundle: decision.bundleId, action: decision.action, outcome: decision.outcome });
    this.notify(decision);
  }

  private notify(decision: DecisionView): void {
    const notice: ScalingDecisionNotice = {
      decisionId: decision.decisionId,
      bundleId: decision.bundleId,
      action: decision.action,
      count: decision.count,
      reason: decision.reason,
      outcome: decision.outcome,
      target: decision.target,
      scalerInstanceId: decision.scalerInstanceId,
      at: decision.finishedAt ?? decision.createdAt,
    };
    if (!this.client.publish(ScalerContracts.decisions, notice)) {
      this.logger.warn(`Could not publish decision ${decision.decisionId}: NATS connection closed`);
    }
  }
}
