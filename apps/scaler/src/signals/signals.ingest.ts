import {
  compileValidator,
  ErrorCode,
  EventoError,
  parseRequestBody,
  ScalerContracts,
  ScalingSignal,
} from '@evento/contracts';
import { BaseConfig, MetricsService, NatsConnectionService, queueGroupOf } from '@evento/platform';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { SignalsRepository } from './signals.repository';

/** Signals buffered before a flush is forced; beyond twice this, new ones are dropped (counted). */
const BATCH = 500;
const FLUSH_MS = 100;
const validateSignal = compileValidator(ScalingSignal);

/**
 * Takes ScalingSignals off NATS (fire-and-forget, so served with the NATS client directly: a
 * bad one has no one to answer, it is counted and dropped) and stores them in batches. Every
 * replica ingests (queue group); the active scaler reads them from Postgres, so a signal counts
 * whichever replica received it, and after a failover too.
 */
@Injectable()
export class SignalsIngest implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SignalsIngest.name);
  private subscription?: Subscription;
  private buffer: ScalingSignal[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly accepted;
  private readonly rejected;
  private readonly listeners: Array<(signal: ScalingSignal) => void> = [];

  constructor(
    private readonly nats: NatsConnectionService,
    private readonly config: BaseConfig,
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
      help: 'Scaling signals dropped: malformed, invalid, or over the buffer',
      labelNames: ['reason'],
    });
  }

  /** Called for each stored signal on this replica (the active scaler reacts sooner). */
  onSignal(listener: (signal: ScalingSignal) => void): void {
    this.listeners.push(listener);
  }

  onApplicationBootstrap(): void {
    this.subscription = this.nats.connection.subscribe(this.config.subject(ScalerContracts.signal.subject), {
      queue: queueGroupOf('scaler'),
      callback: (error, msg) => {
        if (!error) this.receive(msg);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    clearTimeout(this.timer);
    await this.flush();
  }

  receive(msg: Msg): void {
    const signal = this.read(msg.data);
    if (!signal) return;
    if (this.buffer.length >= BATCH * 2) {
      this.rejected.inc({ reason: 'overload' });
      return;
    }
    this.buffer.push(signal);
    if (this.buffer.length >= BATCH) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** The signal, or undefined when it is not one (counted by reason). */
  private read(data: Uint8Array): ScalingSignal | undefined {
    let body: unknown;
    try {
      body = parseRequestBody(data);
    } catch (error) {
      this.rejected.inc({
        reason: error instanceof EventoError && error.code === ErrorCode.PAYLOAD_TOO_LARGE ? 'too-large' : 'malformed',
      });
      return undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      this.rejected.inc({ reason: 'malformed' });
      return undefined;
    }
    try {
      return validateSignal(body);
    } catch {
      this.rejected.inc({ reason: 'invalid' });
      return undefined;
    }
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
