import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { TelemetryConfig } from '../config/telemetry.config';
import { PartitionsRepository, type RetentionOutcome } from './partitions.repository';

const DAY_MS = 86_400_000;
/** Days of partitions kept ready ahead of today (and one behind, for late batches). */
const DAYS_AHEAD = 2;

/**
 * Every replica keeps partitions created ahead (under a blocking lock, so they never race)
 * and tries retention (under a try-lock, so only one replica drops at a time).
 */
@Injectable()
export class PartitionMaintainer implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PartitionMaintainer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly partitions: PartitionsRepository,
    private readonly config: TelemetryConfig,
  ) {}

  /** Before any flush can run: the partitions the first flushes need. */
  async onModuleInit(): Promise<void> {
    await this.ensureAhead();
  }

  onApplicationBootstrap(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.config.TELEMETRY_MAINTENANCE_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Resolves once the maintenance in progress (e.g. the one started at boot), if any, has finished. */
  async idle(): Promise<void> {
    await this.running;
  }

  async ensureAhead(now = Date.now()): Promise<string[]> {
    const created = await this.partitions.ensure(now - DAY_MS, now + DAYS_AHEAD * DAY_MS);
    if (created.length > 0) this.logger.log(`Created partitions ${created.join(', ')}`);
    return created;
  }

  /** Drops partitions of days older than the retention; days are UTC. */
  async applyRetention(now = Date.now()): Promise<RetentionOutcome> {
    const outcome = await this.partitions.dropBefore(now - this.config.TELEMETRY_RETENTION_DAYS * DAY_MS);
    if (outcome.dropped.length > 0) this.logger.log(`Retention dropped ${outcome.dropped.join(', ')}`);
    return outcome;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = (async () => {
      try {
        await this.ensureAhead();
        await this.applyRetention();
      } catch (error) {
        // Postgres may be away for a moment; the next tick catches up.
        this.logger.warn(`Partition maintenance failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    })().finally(() => (this.running = undefined));
    await this.running;
  }
}
