import type { StoredEvent } from '@evento/contracts';

/** Something SQL can be run on: the transaction a consumer handler shares with its checkpoint. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface Checkpoint {
  cursor: string;
  /** The position of the last event handled ('0' when none). */
  position: string;
  enabled: boolean;
}

export interface DeadEvent {
  consumerId: string;
  position: string;
  event: StoredEvent;
  errorName: string;
  errorMessage: string;
  attempts: number;
  failedAt: string;
  retry: boolean;
}

export interface SagaInstance {
  id: string;
  sagaName: string;
  state: Record<string, unknown>;
  associations: Record<string, string>;
}

/**
 * Everything a consumer keeps: its checkpoint, its dead events and saga state. One unit of
 * work (`transaction`) covers a handler's own writes and the checkpoint move, so a handler that
 * writes through the given Queryable is applied exactly once.
 */
export interface ConsumerStore {
  init(): Promise<void>;
  close(): Promise<void>;

  /** Takes the consumer's exclusive lock for this instance; false when another instance holds it. */
  tryLock(consumerId: string): Promise<boolean>;
  /** Still holding it? (false after the lock's connection was lost). */
  holdsLock(consumerId: string): boolean;
  unlock(consumerId: string): Promise<void>;

  checkpoint(consumerId: string): Promise<Checkpoint | null>;
  /** Creates the checkpoint when there is none; returns the one in force. */
  createCheckpoint(consumerId: string, cursor: string, position: string): Promise<Checkpoint>;
  /** Moves the checkpoint unconditionally (an operator's reset). */
  resetCheckpoint(consumerId: string, cursor: string): Promise<void>;

  /**
   * Runs `work` and moves the checkpoint from `from` to `to` in one unit; returns false (and
   * undoes `work`'s writes) when the checkpoint is no longer `from` (reset, or another
   * instance moved it).
   */
  advance(
    consumerId: string,
    from: string,
    to: { cursor: string; position: string },
    work: (tx: Queryable | undefined) => Promise<void>,
  ): Promise<boolean>;

  /** Runs `work` in one unit (a transaction on Postgres). */
  inUnit(work: (tx: Queryable | undefined) => Promise<void>): Promise<void>;

  addDead(dead: DeadEvent, tx?: Queryable): Promise<void>;
  deadEvents(consumerId: string, limit?: number): Promise<DeadEvent[]>;
  deadCount(consumerId: string): Promise<number>;
  setRetry(consumerId: string, position: string, retry: boolean): Promise<boolean>;
  deleteDead(consumerId: string, position: string, tx?: Queryable): Promise<boolean>;

  findSaga(sagaName: string, property: string, value: string, tx?: Queryable): Promise<SagaInstance | null>;
  /** Inserts (no id) or updates a saga instance; `ended` deletes it. */
  saveSaga(instance: Omit<SagaInstance, 'id'> & { id?: string }, ended: boolean, tx?: Queryable): Promise<void>;
}
