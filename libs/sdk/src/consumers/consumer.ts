import {
  type ConsumerReport,
  type ConsumerStatusResponse,
  EventStoreContracts,
  type StoredEvent,
} from '@evento/contracts';
import { errorMessage, errorName, isTransient } from '../errors';
import type { CommandGateway, QueryGateway } from '../gateways';
import type { ComponentMeta } from '../metadata';
import { type BoundHandler, handlersOf, toPayloadInstance } from '../runtime/components';
import { runInScope } from '../runtime/scope';
import type { Telemetry } from '../runtime/telemetry';
import type { Transport } from '../runtime/transport';
import type { ConsumerStore, Queryable } from './store';

/** What a projector or observer handler gets besides the event. */
export interface EventContext {
  /** The event as stored: position, aggregate id and version, metadata, time. */
  event: StoredEvent;
  consumerId: string;
  /**
   * The transaction the checkpoint moves in (Postgres store only): write the read model
   * through it and each event is applied exactly once, also across crashes and takeovers.
   */
  db: Queryable | undefined;
  commandGateway: CommandGateway;
  queryGateway: QueryGateway;
}

/** What a saga handler gets besides the event and its state. */
export interface SagaContext extends EventContext {
  /** Also find this saga instance by another property value from now on. */
  associate(property: string, value: string): void;
  /** The saga is over: its state is deleted after this handler. */
  end(): void;
}

export interface ConsumerDeps {
  store: ConsumerStore;
  transport: () => Transport;
  commandGateway: CommandGateway;
  queryGateway: QueryGateway;
  telemetry: Telemetry;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Called when something the registry should hear about changed (active, head reached). */
  changed: () => void;
  fetchLimit: number;
  waitMs: number;
  lockRetryMs: number;
}

class Stopped extends Error {}

/**
 * One consumer (a projector, saga or observer at one version and context): holds its lock,
 * reads the event store after its checkpoint with long-polling, hands each event to its
 * handler, retries with back-off, dead-letters what keeps failing, and answers admin requests.
 */
export class Consumer {
  readonly id: string;
  private readonly handlers: Map<string, BoundHandler>;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private stopSignal!: Promise<void>;
  private signalStop!: () => void;
  private cursor?: string;
  private position = '0';
  private mutex: Promise<unknown> = Promise.resolve();
  active = false;
  headReached = false;
  /** Another instance holds the lock: this one waits to take over. */
  standby = false;
  private retrying: ConsumerStatusResponse['retrying'] = null;
  /** The lag measured last (for the registry's consumer view); undefined until measured. */
  private lastLag?: number;
  private positionWaiters: Array<{ target: bigint; position: string; resolve: () => void }> = [];
  /** Positions this process handled lately, for waiters in APES mode (where positions are not ordered). */
  private readonly recent = new Set<string>();

  constructor(
    bundleId: string,
    readonly meta: ComponentMeta,
    private readonly instance: object,
    private readonly deps: ConsumerDeps,
  ) {
    this.id = consumerIdOf(bundleId, meta);
    this.handlers = handlersOf(meta, instance, meta.type === 'saga' ? 'saga-event' : 'event');
  }

  /**
   * Holds the instance's enable back: a gating projector that is active here and not at the
   * head yet. On a standby the active instance keeps the (shared) read model current.
   */
  get holdsEnableBack(): boolean {
    return this.meta.type === 'projector' && this.meta.waitForHeadReached && !this.headReached && !this.standby;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopSignal = new Promise((resolve) => (this.signalStop = resolve));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signalStop?.();
    this.wake?.();
    await this.loop;
    if (this.active) await this.deps.store.unlock(this.id).catch(() => undefined);
    this.active = false;
  }

  report(): ConsumerReport {
    return {
      consumerId: this.id,
      componentName: this.meta.name,
      componentType: this.meta.type as ConsumerReport['componentType'],
      version: this.meta.version,
      context: this.meta.context,
      active: this.active,
      ...(this.cursor !== undefined ? { cursor: this.cursor } : {}),
      ...(this.active && this.lastLag !== undefined ? { lag: this.lastLag } : {}),
    };
  }

  /**
   * How far this consumer is behind `headPosition` (the position of the newest event of its
   * context): positions between its checkpoint and the head. Positions are global, so with
   * other contexts in between this is an upper bound on the events still to handle; 0 at the
   * head. Null when the consumer is not active here (the active instance reports it).
   */
  measureLag(headPosition: string): number | null {
    if (!this.active || this.cursor === undefined) return null;
    const behind = BigInt(headPosition || '0') - BigInt(this.position);
    this.lastLag = behind > 0n ? Number(behind) : 0;
    return this.lastLag;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.deps.store.holdsLock(this.id)) {
          if (this.active) {
            this.active = false;
            this.cursor = undefined;
            this.deps.log('warn', `consumer ${this.id} lost its lock`);
            this.deps.changed();
          }
          if (!(await this.deps.store.tryLock(this.id))) {
            if (!this.standby) {
              this.standby = true;
              this.deps.changed();
            }
            await this.sleep(this.deps.lockRetryMs);
            continue;
          }
          this.standby = false;
          this.active = true;
          this.cursor = undefined;
          this.deps.log('info', `consumer ${this.id} is active on this instance`);
          this.deps.changed();
        }
        if (this.cursor === undefined) await this.loadCheckpoint();
        await this.readBatch();
        failures = 0;
      } catch (error) {
        if (error instanceof Stopped || !this.running) break;
        failures += 1;
        this.cursor = undefined;
        this.deps.log('warn', `consumer ${this.id}: ${errorMessage(error)}; retrying`);
        await this.sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)));
      }
    }
  }

  private async loadCheckpoint(): Promise<void> {
    let checkpoint = await this.deps.store.checkpoint(this.id);
    if (!checkpoint) {
      // Projectors build their view from the whole history; sagas and observers react from now on.
      let start = { cursor: '', position: '0' };
      if (this.meta.type !== 'projector') {
        start = await this.deps.transport().request(EventStoreContracts.head, { context: this.meta.context });
      }
      checkpoint = await this.deps.store.createCheckpoint(this.id, start.cursor, start.position || '0');
    }
    this.cursor = checkpoint.cursor;
    this.position = checkpoint.position;
    this.notifyPosition();
  }

  private async readBatch(): Promise<void> {
    const limit = this.deps.fetchLimit;
    const waitMs = this.headReached ? this.deps.waitMs : 0;
    const fetch = this.deps.transport().request(
      EventStoreContracts.fetch,
      {
        after: this.cursor,
        context: this.meta.context,
        limit,
        waitMs,
      },
      { timeoutMs: waitMs + 10_000 },
    );
    const reply = await Promise.race([fetch, this.stopSignal.then(() => undefined)]);
    if (!reply) {
      fetch.catch(() => undefined);
      throw new Stopped();
    }
    await this.exclusive(async () => {
      for (const event of reply.events) {
        if (!this.running) throw new Stopped();
        if (!(await this.process(event))) return;
      }
      if (reply.cursor && reply.cursor !== this.cursor && reply.events.length === 0 && this.cursor !== undefined) {
        await this.move(reply.cursor, this.position, () => Promise.resolve());
      }
    });
    if (reply.events.length < limit && !this.headReached) {
      this.headReached = true;
      this.deps.log('info', `consumer ${this.id} reached the head`);
      this.deps.changed();
    }
  }

  /** Moves the checkpoint with `work`; false (and the cursor reloaded) when someone else moved it. */
  private async move(cursor: string, position: string, work: (tx: Queryable | undefined) => Promise<void>) {
    if (this.cursor === undefined) return false;
    const moved = await this.deps.store.advance(this.id, this.cursor, { cursor, position }, work);
    if (moved) {
      this.cursor = cursor;
      this.position = position;
      this.recent.add(position);
      if (this.recent.size > 10_000) this.recent.delete(this.recent.values().next().value!);
      this.notifyPosition();
    } else {
      this.cursor = undefined;
      this.headReached = false;
    }
    return moved;
  }

  /** Handles one event with retries; false when the checkpoint moved under us (reset, takeover). */
  private async process(event: StoredEvent): Promise<boolean> {
    const retry = this.meta.retry;
    let delay = retry.delayMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const moved = await this.move(event.cursor, event.position, (tx) => this.dispatch(event, tx));
        this.retrying = null;
        return moved;
      } catch (error) {
        if (!this.running) throw new Stopped();
        if (!this.deps.store.holdsLock(this.id)) throw error;
        this.retrying = { position: event.position, attempt, error: `${errorName(error)}: ${errorMessage(error)}` };
        if (isTransient(error) || attempt < retry.attempts) {
          if (attempt === 1 || attempt % 10 === 0) {
            this.deps.log(
              'warn',
              `consumer ${this.id}: event ${event.position} failed (attempt ${attempt}): ${errorMessage(error)}`,
            );
          }
          await this.sleep(delay);
          delay = Math.min(retry.maxDelayMs, delay * 2);
          continue;
        }
        this.deps.log(
          'error',
          `consumer ${this.id}: event ${event.position} goes to the dead-event queue: ${errorMessage(error)}`,
        );
        const moved = await this.move(event.cursor, event.position, (tx) =>
          this.deps.store.addDead(
            {
              consumerId: this.id,
              position: event.position,
              event,
              errorName: errorName(error),
              errorMessage: errorMessage(error).slice(0, 2000),
              attempts: attempt,
              failedAt: new Date().toISOString(),
              retry: false,
            },
            tx,
          ),
        );
        this.retrying = null;
        // The registry's view of the consumer counts its dead events.
        this.deps.changed();
        return moved;
      }
    }
  }

  private async dispatch(event: StoredEvent, tx: Queryable | undefined): Promise<void> {
    const handler = this.handlers.get(event.eventName);
    if (!handler) return;
    const payload = toPayloadInstance(handler.meta.payload, event.payload);
    const base: EventContext = {
      event,
      consumerId: this.id,
      db: tx,
      commandGateway: this.deps.commandGateway,
      queryGateway: this.deps.queryGateway,
    };
    const scope = {
      correlationId: typeof event.metadata?.correlationId === 'string' ? event.metadata.correlationId : undefined,
      component: this.meta.name,
      handler: handler.meta.method,
      payload: handler.payloadName,
      invoked: new Map<string, number>(),
    };
    const started = Date.now();
    let outcome: 'ok' | 'error' = 'ok';
    try {
      await runInScope(scope, async () => {
        if (this.meta.type === 'saga') await this.sagaDispatch(handler, payload, base, tx);
        else await handler.call(payload, base);
      });
    } catch (error) {
      outcome = 'error';
      throw error;
    } finally {
      this.deps.telemetry.record(scope, started, outcome);
    }
  }

  private async sagaDispatch(handler: BoundHandler, payload: object, base: EventContext, tx: Queryable | undefined) {
    const property = handler.meta.associationProperty!;
    const raw = base.event.payload[property];
    // Only scalar values associate; an event without one is not for any saga instance.
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return;
    const value = String(raw);
    const found = await this.deps.store.findSaga(this.meta.name, property, value, tx);
    if (!found && !handler.meta.init) return;
    const associations: Record<string, string> = { ...(found?.associations ?? {}), [property]: value };
    let ended = false;
    const context: SagaContext = {
      ...base,
      associate: (key, associated) => {
        associations[key] = associated;
      },
      end: () => {
        ended = true;
      },
    };
    const state = found ? found.state : undefined;
    const result = (await handler.call(payload, state, context)) as Record<string, unknown> | undefined;
    const next = result ?? state ?? {};
    await this.deps.store.saveSaga(
      {
        id: found?.id,
        sagaName: this.meta.name,
        state: JSON.parse(JSON.stringify(next)) as Record<string, unknown>,
        associations,
      },
      ended,
      tx,
    );
  }

  // Admin requests (the control subject).

  async status(): Promise<ConsumerStatusResponse> {
    const checkpoint = await this.deps.store.checkpoint(this.id);
    let lag: number | null;
    try {
      const head = await this.deps
        .transport()
        .request(EventStoreContracts.head, { context: this.meta.context }, { timeoutMs: 2_000 });
      lag = Math.max(0, Number(BigInt(head.position || '0') - BigInt(checkpoint?.position ?? '0')));
    } catch {
      lag = null;
    }
    const dead = await this.deps.store.deadEvents(this.id, 100);
    return {
      consumerId: this.id,
      componentName: this.meta.name,
      componentType: this.meta.type,
      version: this.meta.version,
      context: this.meta.context,
      active: this.active,
      enabled: checkpoint?.enabled ?? true,
      cursor: checkpoint?.cursor ?? '',
      lag,
      replaying: this.active && !this.headReached,
      retrying: this.retrying,
      deadEvents: dead.map((d) => ({
        position: d.position,
        eventId: d.event.eventId,
        eventName: d.event.eventName,
        aggregateId: d.event.aggregateId,
        errorName: d.errorName,
        errorMessage: d.errorMessage,
        attempts: d.attempts,
        failedAt: d.failedAt,
        retry: d.retry,
      })),
    };
  }

  /** The checkpoint: cursor and position of the last event handled (from the store). */
  async checkpoint() {
    return this.deps.store.checkpoint(this.id);
  }

  setRetry(position: string, retry: boolean): Promise<boolean> {
    return this.deps.store.setRetry(this.id, position, retry);
  }

  deleteDead(position: string): Promise<boolean> {
    return this.deps.store.deleteDead(this.id, position);
  }

  /** Runs the dead events flagged for retry, in order; those that fail again stay (unflagged). */
  async replayDead(): Promise<{ processed: number; failed: number }> {
    return this.exclusive(async () => {
      let processed = 0;
      let failed = 0;
      for (const dead of await this.deps.store.deadEvents(this.id, 10_000)) {
        if (!dead.retry) continue;
        try {
          await this.deps.store.inUnit(async (tx) => {
            await this.dispatch(dead.event, tx);
            await this.deps.store.deleteDead(this.id, dead.position, tx);
          });
          processed += 1;
        } catch (error) {
          failed += 1;
          await this.deps.store.addDead({
            ...dead,
            errorName: errorName(error),
            errorMessage: errorMessage(error),
            attempts: 1,
            retry: false,
          });
        }
      }
      return { processed, failed };
    });
  }

  async reset(cursor: string): Promise<void> {
    await this.exclusive(async () => {
      await this.deps.store.resetCheckpoint(this.id, cursor);
      this.cursor = undefined;
      this.headReached = false;
    });
    this.wake?.();
  }

  /**
   * Resolves once this instance handled the event at `position` of its context. In CPES mode
   * (cursors are positions) a checkpoint at or past it counts, also from an earlier run; in APES
   * mode (positions are not in reading order) only the event itself, handled by this process.
   */
  async waitForPosition(position: string, timeoutMs = 30_000): Promise<void> {
    const target = BigInt(position);
    if (this.passed(target, position)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.positionWaiters = this.positionWaiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `consumer ${this.id} did not reach position ${position} within ${timeoutMs} ms (at ${this.position})`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.positionWaiters.push({ target, position, resolve: done });
    });
  }

  private passed(target: bigint, position: string): boolean {
    if (this.recent.has(position)) return true;
    return this.cursor !== undefined && !this.cursor.includes(':') && BigInt(this.position) >= target;
  }

  private notifyPosition(): void {
    if (this.positionWaiters.length === 0) return;
    const ready = this.positionWaiters.filter((w) => this.passed(w.target, w.position));
    this.positionWaiters = this.positionWaiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.mutex.then(work, work);
    this.mutex = next.catch(() => undefined);
    return next;
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = this.wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        wake?.();
        done();
      };
    });
  }
}

/** `<bundle>_<component>_<version>_<context>`: a new version is a new consumer with its own checkpoint. */
export function consumerIdOf(bundleId: string, meta: ComponentMeta): string {
  return `${bundleId}_${meta.name}_${meta.version}_${meta.context === '*' ? 'all' : meta.context}`;
}
