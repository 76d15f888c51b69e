import type { AppendRequest } from '@evento/contracts';
import type { AppendResult } from './events.repository';

interface Pending {
  request: AppendRequest;
  resolve: (outcome: { result: AppendResult; txId: string | null }) => void;
  reject: (error: unknown) => void;
}

export type BatchWriter = (requests: AppendRequest[]) => Promise<{ results: AppendResult[]; txId: string | null }>;

/**
 * Group commit: appends that arrive while a batch is being written wait and go together in
 * the next transaction, so N concurrent writers cost about one commit, not N. A request is
 * answered only after its transaction committed.
 *
 * If a batch fails as a whole (e.g. a racing duplicate event id), its requests are retried
 * one by one, so one bad request cannot fail its neighbours.
 */
export class AppendBatcher {
  private queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly write: BatchWriter,
    private readonly maxBatch: number,
  ) {}

  append(request: AppendRequest): Promise<{ result: AppendResult; txId: string | null }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.writing = false;
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
