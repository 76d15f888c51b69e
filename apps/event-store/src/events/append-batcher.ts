import type { AppendRequest } from '@evento/contracts';
import type { AppendResult } from './events.repository';

interface Pending {
  request: AppendRequest;
  resolve: (outcome: { result: AppendResult; txId: string | null }) => void;
  reject: (error: unknown) => void;
}

export type BatchWriter = (requests: AppendRequest[]) => Promise<{ results: AppendResult[]; txId: string | null }>;

export interface BatchLimits {
  /** Most requests in one batch (one transaction). */
  maxBatch: number;
  /** Most batches being written at once. */
  maxInFlight: number;
  /** Requests that must be waiting before a batch starts beside one already being written. */
  extraBatchMin: number;
}

/**
 * Group commit: appends that arrive while batches are being written wait and go together in
 * the next transaction, so N concurrent writers cost a few commits, not N. A request is
 * answered only after its transaction committed.
 *
 * With one batch in flight the store sits idle between a commit and the next batch's start
 * (the result's trip back, the replies, the next query's trip to Postgres). A second batch
 * hides that: it is already waiting in Postgres when the first commits. But it only starts
 * once `extraBatchMin` requests wait, because splitting the load into small batches costs
 * more per event everywhere (Postgres, the app, NATS and the clients all pay per message and
 * per commit): measured, an unconditional second batch halved the batch size and lost more
 * than the overlap gained. Order stays safe: CPES batches queue on the global lock, APES
 * batches lock their aggregates.
 *
 * If a batch fails as a whole (e.g. a racing duplicate event id), its requests are retried
 * one by one, so one bad request cannot fail its neighbours.
 */
export class AppendBatcher {
  private queue: Pending[] = [];
  private writing = 0;

  constructor(
    private readonly write: BatchWriter,
    private readonly limits: BatchLimits,
  ) {}

  append(request: AppendRequest): Promise<{ result: AppendResult; txId: string | null }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private dispatch(): void {
    const { maxBatch, maxInFlight, extraBatchMin } = this.limits;
    while (
      this.queue.length > 0 &&
      this.writing < maxInFlight &&
      (this.writing === 0 || this.queue.length >= extraBatchMin)
    ) {
      const batch = this.queue.splice(0, maxBatch);
      this.writing += 1;
      void this.writeBatch(batch).finally(() => {
        this.writing -= 1;
        this.dispatch();
      });
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      const { results, txId } = await this.write(batch.map((p) => p.request));
      batch.forEach((pending, i) => pending.resolve({ result: results[i], txId }));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      for (const pending of batch) await this.writeBatch([pending]);
    }
  }
}
