import { ErrorCode, EventoError } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { deadlineExceeded, type RequestContext } from '../requests/request-context';

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

  /**
   * Every wait here counts against the request's deadline: for a pooled connection (the pool may
   * be busy) and for the lock itself (`lock_timeout` is the time left).
   */
  async withLock<T>(lockId: string, context: RequestContext, work: () => Promise<T>): Promise<T> {
    const what = `while waiting for lock ${lockId}`;
    const runner = this.db.createQueryRunner();
    const connecting = runner.connect();
    try {
      await context.bound(connecting, what);
    } catch (error) {
      // The connection may still come after the caller gave up: give it back when it does.
      void connecting.then(
        () => runner.release().catch(() => undefined),
        () => undefined,
      );
      if (error instanceof EventoError) throw error;
      throw new EventoError(ErrorCode.UNAVAILABLE, `Could not take lock ${lockId}: the database did not answer`);
    }
    try {
      try {
        await runner.startTransaction();
        const waitMs = context.ensureTime(what);
        await runner.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.floor(waitMs))}ms`]);
        await runner.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`evento.service-lock:${lockId}`]);
      } catch (error) {
        if (error instanceof EventoError) throw error;
        if (LOCK_TIMEOUT_CODES.has((error as { code?: string }).code ?? '')) throw deadlineExceeded(what);
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
