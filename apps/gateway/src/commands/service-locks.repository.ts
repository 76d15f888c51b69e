import { ErrorCode, EventoError } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { deadlineExceeded } from '../requests/request-context';

/** Postgres' "lock not available" (lock_timeout) and "query canceled" codes. */
const LOCK_TIMEOUT_CODES = new Set(['55P03', '57014']);

/**
 * Cluster-wide mutual exclusion for service commands that carry a lock id: a transaction-level
 * advisory lock held on its own connection while the command runs. If the gateway dies, its
 * connection closes and Postgres releases the lock, so no lock outlives its holder.
 */
@Injectable()
export class ServiceLocksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async withLock<T>(lockId: string, waitMs: number, work: () => Promise<T>): Promise<T> {
    const runner = this.db.createQueryRunner();
    try {
      try {
        await runner.connect();
        await runner.startTransaction();
        await runner.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.floor(waitMs))}ms`]);
        await runner.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`evento.service-lock:${lockId}`]);
      } catch (error) {
        if (LOCK_TIMEOUT_CODES.has((error as { code?: string }).code ?? '')) {
          throw deadlineExceeded(`while waiting for lock ${lockId}`);
        }
        throw new EventoError(ErrorCode.UNAVAILABLE, `Could not take lock ${lockId}: the database did not answer`);
      }
      return await work();
    } finally {
      // Ending the transaction releases the lock; a dead connection released it already.
      await runner.rollbackTransaction().catch(() => undefined);
      await runner.release().catch(() => undefined);
    }
  }
}
