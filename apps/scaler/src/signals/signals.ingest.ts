import type { ScalingSignal } from '@evento/contracts';
import { MetricsService } from '@evento/platform';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SignalsRepository } from './signals.repository';

/** Signals buffered before a flush is forced; beyond twice this, new ones are dropped (counted). */
const BATCH = 500;
const FLUSH_MS = 100;

/**
 * Stores the ScalingSignals that SignalsMessageController takes off NATS (fire-and-forget: the
 * edge counts a bad one and drops it), in batches. Every replica ingests (queue group); the
 * active scaler reads them from Postgres, so a signal counts whichever replica received it, and
 * after a failover too.
 */
@Injectable()
export class SignalsIngest implements OnApplicationShutdown {
  private readonly logger = new Logger(SignalsIngest.name);
  private buffer: ScalingSignal[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly accepted;
  private readonly rejected;
  private readonly listeners: Array<(signal: ScalingSignal) => void> = [];

  constructor(
    private readonly repository: SignalsRepository,
    metrics: MetricsService,
  ) {
    this.accepted = metrics.counter({
      name: 'evento_scaler_signals_total',
      help: 'Scaling signals stored, by kind',
      labelNames: ['signal'],
    });
    this.rejected = metrics.counter({
      name: 'evento_scaler_signals_rejected_total',
      help: 'Valid scaling signals dropped: over the buffer, or not stored (unreadable ones count in evento_nats_dropped_messages_total)',
      labelNames: ['reason'],
    });
  }

  /** Called for each stored signal on this replica (the active scaler reacts sooner). */
  onSignal(listener: (signal: ScalingSignal) => void): void {
    this.listeners.push(listener);
  }

  /** After the edge has drained intake, and before the database closes. */
  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush();
  }

  /** A signal the edge has checked; buffered, then stored in batches. */
  receive(signal: ScalingSignal): void {
    if (this.buffer.length >= BATCH * 2) {
      this.rejected.inc({ reason: 'overload' });
      return;
    }
    this.buffer.push(signal);
    if (this.buffer.length >= BATCH) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    const batch = this.buffer.splice(0, this.buffer.length);
    if (batch.length === 0) return;
    this.flushing = this.repository.insert(batch).then(
      () => {
        for (const signal of batch) {
          this.accepted.inc({ signal: signal.signal });
          for (const listener of this.listeners) listener(signal);
        }
      },
      (error: unknown) => {
        // Signals repeat while the condition lasts; losing a batch while Postgres is away is fine.
        this.rejected.inc({ reason: 'store-failed' }, batch.length);
        this.logger.warn(`Dropped ${batch.length} signals: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    await this.flushing;
  }
}
