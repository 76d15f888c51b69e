import type { DataSource, Migration } from 'typeorm';

/**
 * Runs pending migrations while holding a Postgres advisory lock named after the app, so
 * replicas booting together take turns: the first migrates, the others find nothing to do.
 */
export async function runMigrationsLocked(dataSource: DataSource, lockName: string): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockName]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockName]);
    }
  } finally {
    await runner.release();
  }
}
