import { type ScalingSignalKind } from '@evento/contracts';

export interface AutoscalingOptions {
  /** Above this many requests in flight the instance is overloaded (its "threads"). */
  maxInFlight: number;
  /** Below this many in flight it is under-used (default 1). */
  minInFlight?: number;
  /** Arrivals above maxInFlight in a row before it says it is suffering (default 3). */
  maxOverflow?: number;
  /** Departures below minInFlight in a row before it says it is bored (default 3). */
  maxUnderflow?: number;
  /** Idle this long with nothing in flight: bored (default 60 000 ms). */
  boredTimeoutMs?: number;
}

/**
 * The thread-count autoscaling protocol of the original Evento: counts work in flight around
 * every handled request and publishes `suffering` (scale me up) or `bored` (I may go) on
 * `evento.v1.scaler.signals`, each once per episode.
 */
export class ThreadCountAutoscaling {
  private inFlight = 0;
  private overflow = 0;
  private underflow = 0;
  private suffering = false;
  private bored = true;
  private lastDepartureAt = 0;
  private boredSentFor = -1;
  private timer?: NodeJS.Timeout;
  private readonly min: number;
  private readonly maxOverflow: number;
  private readonly maxUnderflow: number;

  constructor(
    private readonly options: AutoscalingOptions,
    private readonly send: (signal: ScalingSignalKind, inFlight: number, capacity: number) => void,
  ) {
    this.min = options.minInFlight ?? 1;
    this.maxOverflow = options.maxOverflow ?? 3;
    this.maxUnderflow = options.maxUnderflow ?? 3;
  }

  start(): void {
    const every = this.options.boredTimeoutMs ?? 60_000;
    let seenDeparture = this.lastDepartureAt;
    this.timer = setInterval(() => {
      if (this.inFlight === 0 && this.lastDepartureAt === seenDeparture && this.boredSentFor !== this.lastDepartureAt) {
        this.overflow = 0;
        this.suffering = false;
        this.bored = true;
        this.boredSentFor = this.lastDepartureAt;
        this.signal('bored');
      }
      seenDeparture = this.lastDepartureAt;
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  arrival(): void {
    this.inFlight += 1;
    if (this.inFlight >= this.min) {
      this.underflow = 0;
      this.bored = false;
    }
    if (this.inFlight > this.options.maxInFlight) {
      this.overflow += 1;
      if (this.overflow >= this.maxOverflow && !this.suffering) {
        this.suffering = true;
        this.signal('suffering');
      }
    }
  }

  departure(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.lastDepartureAt = Date.now();
    if (this.inFlight <= this.options.maxInFlight) {
      this.overflow = 0;
      this.suffering = false;
    }
    if (this.inFlight < this.min) {
      this.underflow += 1;
      if (this.underflow >= this.maxUnderflow && !this.bored) {
        this.bored = true;
        this.boredSentFor = this.lastDepartureAt;
        this.signal('bored');
      }
    }
  }

  private signal(kind: ScalingSignalKind): void {
    this.send(kind, this.inFlight, this.options.maxInFlight);
  }
}
