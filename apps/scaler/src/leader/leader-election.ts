import { MetricsService } from '@evento/platform';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { ScalerConfig } from '../config/scaler.config';

/** One advisory lock per database: the key of "the active scaler". */
const LOCK_KEY = [0x45564e54, 0x5343414c] as const; // 'EVNT', 'SCAL'

export type Sql = <T extends object>(text: string, params?: unknown[]) => Promise<T[]>;

export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  constructor() {
    super('This scaler replica is not the active one');
  }
}

/**
 * Exactly one active scaler: the replica holding a Postgres session advisory lock on a
 * connection of its own. Postgres releases the lock the moment that connection ends (process
 * killed, crashed, partitioned past TCP keep-alive), and standbys try every
 * SCALER_LEADER_POLL_MS. Every write the leader makes about decisions runs on that same
 * connection, so a replica that lost the lock cannot record a decision: its writes fail with
 * the connection (fencing).
 */
@Injectable()
export class LeaderElection implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LeaderElection.name);
  private client?: Client;
  private leading = false;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  /** Serialises use of the single connection: a transaction must not interleave with another. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly electedListeners: Array<() => void> = [];
  private readonly gauge;

  constructor(
    private readonly config: ScalerConfig,
    metrics: MetricsService,
  ) {
    this.gauge = metrics.gauge({
      name: 'evento_scaler_leader',
      help: '1 while this replica is the active scaler, else 0',
    });
    this.gauge.set(0);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  onElected(listener: () => void): void {
    this.electedListeners.push(listener);
  }

  onApplicationBootstrap(): void {
    const poll = () => {
      if (this.stopped || this.polling) return;
      this.polling = this.poll().finally(() => (this.polling = undefined));
    };
    poll();
    this.timer = setInterval(poll, this.config.SCALER_LEADER_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.polling;
    await this.queue.catch(() => undefined);
    this.stepDown('shutting down');
  }

  /**
   * Runs `work` on the leader's connection, alone; `sql` inside it is the connection's query.
   * Throws NotLeaderError when this replica does not hold the lock.
   */
  async run<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      const client = this.client;
      if (!this.leading || !client) throw new NotLeaderError();
      const sql: Sql = async <R extends object>(text: string, params?: unknown[]) =>
        (await client.query<R>(text, params)).rows;
      return work(sql);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Runs `work` in one transaction on the leader's connection. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.run(async (sql) => {
      await sql('BEGIN');
      try {
        const value = await work(sql);
        await sql('COMMIT');
        return value;
      } catch (error) {
        await sql('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private async poll(): Promise<void> {
    try {
      if (this.leading) {
        // Still connected means still holding the lock.
        await this.run((sql) => sql('SELECT 1'));
        return;
      }
      const client = await this.connect();
      const rows = (
        await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...LOCK_KEY])
      ).rows;
      if (rows[0]?.locked && !this.stopped) {
        this.leading = true;
        this.gauge.set(1);
        this.logger.log(`${this.config.INSTANCE_ID} is now the active scaler`);
        for (const listener of this.electedListeners) listener();
      }
    } catch (error) {
      this.stepDown(error instanceof Error ? error.message : String(error));
    }
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: `evento-scaler-leader:${this.config.INSTANCE_ID}`.slice(0, 63),
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      query_timeout: 10_000,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', (error) => this.stepDown(`leader connection failed: ${error.message}`));
    client.on('end', () => this.stepDown('leader connection ended'));
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      this.client = undefined;
      throw error;
    }
    return client;
  }

  private stepDown(reason: string): void {
    const client = this.client;
    this.client = undefined;
    if (this.leading) {
      this.leading = false;
      this.gauge.set(0);
      this.logger.warn(`${this.config.INSTANCE_ID} is no longer the active scaler: ${reason}`);
    }
    // Ending the connection is what releases the lock for the standbys.
    if (client) void client.end().catch(() => undefined);
  }
}
