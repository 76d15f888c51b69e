/* eslint-disable @typescript-eslint/require-await -- the store interface is async; memory answers at once */
import type { Checkpoint, ConsumerStore, DeadEvent, Queryable, SagaInstance } from './store';

/**
 * Consumer state in memory, for tests and throw-away bundles: lost at exit, and its locks only
 * exclude consumers within this process (two instances with their own memory store both run).
 */
export class InMemoryConsumerStore implements ConsumerStore {
  private static readonly locks = new Map<string, InMemoryConsumerStore>();
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly dead = new Map<string, Map<string, DeadEvent>>();
  private readonly sagas = new Map<string, SagaInstance>();
  private nextSagaId = 1;

  async init(): Promise<void> {}

  async close(): Promise<void> {
    for (const [id, owner] of InMemoryConsumerStore.locks) if (owner === this) InMemoryConsumerStore.locks.delete(id);
  }

  async tryLock(consumerId: string): Promise<boolean> {
    const owner = InMemoryConsumerStore.locks.get(consumerId);
    if (owner && owner !== this) return false;
    InMemoryConsumerStore.locks.set(consumerId, this);
    return true;
  }

  holdsLock(consumerId: string): boolean {
    return InMemoryConsumerStore.locks.get(consumerId) === this;
  }

  async unlock(consumerId: string): Promise<void> {
    if (this.holdsLock(consumerId)) InMemoryConsumerStore.locks.delete(consumerId);
  }

  async checkpoint(consumerId: string): Promise<Checkpoint | null> {
    const found = this.checkpoints.get(consumerId);
    return found ? { ...found } : null;
  }

  async createCheckpoint(consumerId: string, cursor: string, position: string): Promise<Checkpoint> {
    if (!this.checkpoints.has(consumerId)) this.checkpoints.set(consumerId, { cursor, position, enabled: true });
    return { ...this.checkpoints.get(consumerId)! };
  }

  async resetCheckpoint(consumerId: string, cursor: string): Promise<void> {
    const position = cursor.includes(':') ? cursor.split(':')[1] : cursor || '0';
    this.checkpoints.set(consumerId, { cursor, position, enabled: this.checkpoints.get(consumerId)?.enabled ?? true });
  }

  async advance(
    consumerId: string,
    from: string,
    to: { cursor: string; position: string },
    work: (tx: Queryable | undefined) => Promise<void>,
  ): Promise<boolean> {
    if (this.checkpoints.get(consumerId)?.cursor !== from) return false;
    await work(undefined);
    const current = this.checkpoints.get(consumerId);
    if (current?.cursor !== from) return false;
    this.checkpoints.set(consumerId, { ...current, ...to });
    return true;
  }

  async inUnit(work: (tx: Queryable | undefined) => Promise<void>): Promise<void> {
    await work(undefined);
  }

  async addDead(dead: DeadEvent): Promise<void> {
    const queue = this.dead.get(dead.consumerId) ?? new Map<string, DeadEvent>();
    queue.set(dead.position, { ...dead });
    this.dead.set(dead.consumerId, queue);
  }

  async deadEvents(consumerId: string, limit = 100): Promise<DeadEvent[]> {
    return [...(this.dead.get(consumerId)?.values() ?? [])]
      .sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1))
      .slice(0, limit)
      .map((dead) => ({ ...dead }));
  }

  async deadCount(consumerId: string): Promise<number> {
    return this.dead.get(consumerId)?.size ?? 0;
  }

  async setRetry(consumerId: string, position: string, retry: boolean): Promise<boolean> {
    const dead = this.dead.get(consumerId)?.get(position);
    if (!dead) return false;
    dead.retry = retry;
    return true;
  }

  async deleteDead(consumerId: string, position: string): Promise<boolean> {
    return this.dead.get(consumerId)?.delete(position) ?? false;
  }

  async findSaga(sagaName: string, property: string, value: string): Promise<SagaInstance | null> {
    for (const saga of this.sagas.values()) {
      if (saga.sagaName === sagaName && saga.associations[property] === value) return structuredClone(saga);
    }
    return null;
  }

  async saveSaga(instance: Omit<SagaInstance, 'id'> & { id?: string }, ended: boolean): Promise<void> {
    const id = instance.id ?? String(this.nextSagaId++);
    if (ended) this.sagas.delete(id);
    else this.sagas.set(id, structuredClone({ ...instance, id }));
  }
}
