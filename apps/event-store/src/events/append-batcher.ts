import type { AppendRequest } from '@evento/contracts';
import type { AppendResult } from './events.repository';

interface Pending {
  request: AppendRequest;
  resolve: (outcome: { result: AppendResult; txId: string | null }) => void;
  reject: (error: unknown) => void;
}

export type BatchWriter = (requests: AppendRequest[]) => Promise<{ results: AppendResult[]; txId: string | null }>;

/**
 * Group commit: appends that arrive while batches are being written wait and go together in
 * the next transaction, so N concurrent writers cost a few commits, not N. A request is
 * answered only after its transaction committed.
 *
 * Up to `maxInFlight` batches are written at once. With one, the store sat idle between a
 * commit and the next batch's start (the replies, the next requests, the round trip to
 * Postgres); with two, the next batch is already waiting in Postgres when one commits. Order
 * stays safe: CPES batches queue on the global lock, APES batches lock their aggregates.
 *
 * If a batch fails as a whole (e.g. a racing duplicate event id), its requests are retried
 * one by one, so one bad request cannot fail its neighbours.
 */
export class AppendBatcher {
  private queue: Pending[] = [];
  private writing = 0;

  constructor(
    private readonly write: BatchWriter,
    private readonly maxBatch: number,
    private readonly maxInFlight = 1,
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
    while (this.writing < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
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
