import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';

/** The pg pool behind TypeORM's Postgres driver. */
function poolOf(db: DataSource): Pool | undefined {
  return (db.driver as unknown as { master?: Pool }).master;
}

/** Postgres pool metrics read at scrape time: connections by state, waiting clients, the pool's size. */
@Injectable()
export class DatabasePoolMetrics {
  constructor(@InjectDataSource() db: DataSource, metrics: MetricsService) {
    metrics.gauge({
      name: 'evento_db_pool_connections',
      help: 'Postgres pool connections: open in total, idle, and busy (checked out)',
      labelNames: ['state'],
      collect() {
        const pool = poolOf(db);
        if (!pool) return;
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
      },
    });
    metrics.gauge({
      name: 'evento_db_pool_waiting',
      help: 'Queries waiting for a free Postgres pool connection',
      collect() {
        const pool = poolOf(db);
        if (pool) this.set(pool.waitingCount);
      },
    });
    metrics.gauge({
      name: 'evento_db_pool_max',
      help: 'Largest number of connections the Postgres pool may open (DATABASE_POOL_SIZE)',
      collect() {
        const pool = poolOf(db);
        if (pool) this.set(pool.options.max ?? 0);
      },
    });
  }
}
