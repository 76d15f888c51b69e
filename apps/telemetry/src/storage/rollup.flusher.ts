import { MetricsService } from '@evento/platform';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { TelemetryConfig } from '../config/telemetry.config';
import { RollupBuffer } from '../rollups/rollup-buffer';
import { RollupsRepository } from './rollups.repository';

/**
 * Writes the in-memory rollups every TELEMETRY_FLUSH_MS. A failed write puts its rollups back
 * so the next flush retries them; what a crash can lose is what arrived since the last
 * successful flush (at most one flush interval, more only while Postgres is unreachable).
 */
@Injectable()
export class RollupFlusher implements OnApplicationBootstrap, OnModuleDestroy {
  readonly buffer: RollupBuffer;
  private readonly logger = new Logger(RollupFlusher.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly duration: Histogram;
  private readonly failures: Counter;

  constructor(
    private readonly repository: RollupsRepository,
    config: TelemetryConfig,
    metrics: MetricsService,
  ) {
    this.buffer = new RollupBuffer(config.TELEMETRY_BUCKET_SECONDS * 1000, config.TELEMETRY_MAX_SERIES);
    this.flushMs = config.TELEMETRY_FLUSH_MS;
    this.duration = metrics.histogram({
      name: 'evento_telemetry_flush_duration_seconds',
      help: 'Time to write one flush of rollups',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    });
    this.failures = metrics.counter({
      name: 'evento_telemetry_flush_failures_total',
      help: 'Flushes whose write failed (their rollups are kept and retried)',
    });
    const pending = () => this.buffer.series + this.writing;
    metrics.gauge({
      name: 'evento_telemetry_pending_series',
      help: 'Rollup series held in memory, not yet written (the flush being written included)',
      collect() {
        this.set(pending());
      },
    });
  }

  private readonly flushMs: number;
  /** Series of the snapshot being written right now. */
  private writing = 0;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Writes what is buffered; waits for a flush already running, then writes what came after it. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.buffer.empty) return;
    this.running = this.writeOnce().finally(() => (this.running = undefined));
    await this.running;
  }

  private async writeOnce(): Promise<void> {
    const snapshot = this.buffer.drain();
    this.writing =
      snapshot.handlers.length +
      snapshot.invocations.length +
      snapshot.gateway.length +
      snapshot.resources.length +
      snapshot.gatewayInstances.size;
    const end = this.duration.startTimer();
    try {
      await this.repository.write(snapshot);
    } catch (error) {
      this.failures.inc();
      this.buffer.restore(snapshot);
      this.logger.warn(
        `Flush failed, kept for the next one: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      this.writing = 0;
      end();
    }
  }
}
