import { ErrorCode, EventoError } from '@evento/contracts';
import { deadlineExceeded } from '../requests/request-context';

interface Waiter {
  /** Hands the key to this waiter: its turn has come. */
  start(): void;
}

interface Line {
  /** Waiters in arrival order (a Set keeps insertion order and drops a leaver in O(1)). */
  readonly waiting: Set<Waiter>;
}

export interface Turn {
  /** Absolute deadline (ms since the epoch): a waiter still in line then leaves it. */
  deadline: number;
  /** What the key is, for errors: `aggregate acc-1`, `lock id mailbox-7`. */
  label: string;
}

/**
 * Runs work one at a time per key, in arrival order; different keys run concurrently. The
 * gateway serialises commands per aggregate (and per lock id) with it, so commands on one
 * aggregate never race each other inside a gateway.
 *
 * Waiting counts against the request's deadline: a waiter whose deadline passes leaves the line
 * at once with DEADLINE_EXCEEDED and never runs. The line is bounded: with `maxWaiting` already
 * waiting behind the running one, a newcomer is refused with OVERLOADED (nothing ran; retry).
 */
export class KeyedQueue {
  /** A key is present while its work runs; its line holds who waits behind. */
  private readonly lines = new Map<string, Line>();

  constructor(private readonly maxWaiting: number) {}

  /** `run` receives the milliseconds it waited for its turn. */
  async run<T>(key: string, turn: Turn, run: (waitedMs: number) => Promise<T>): Promise<T> {
    const queuedAt = performance.now();
    const line = this.lines.get(key);
    if (line) {
      await this.wait(line, turn);
    } else {
      if (turn.deadline - Date.now() <= 0) throw deadlineExceeded(`before its turn for ${turn.label}`);
      this.lines.set(key, { waiting: new Set() });
    }
    try {
      return await run(performance.now() - queuedAt);
    } finally {
      this.next(key);
    }
  }

  /** Keys with work running (the map holds nothing else). */
  get activeKeys(): number {
    return this.lines.size;
  }

  /** Requests waiting behind the running one, all keys together. */
  get waiting(): number {
    let count = 0;
    for (const line of this.lines.values()) count += line.waiting.size;
    return count;
  }

  private wait(line: Line, turn: Turn): Promise<void> {
    if (line.waiting.size >= this.maxWaiting) {
      throw new EventoError(
        ErrorCode.OVERLOADED,
        `${line.waiting.size} requests already wait for ${turn.label} on this gateway: retry later`,
        { reason: 'queue-full', waitingFor: turn.label, limit: this.maxWaiting, retryable: true },
      );
    }
    const left = turn.deadline - Date.now();
    if (left <= 0) throw deadlineExceeded(`while waiting for ${turn.label}`);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        // Leaves the line now: it will never be started.
        line.waiting.delete(waiter);
        reject(deadlineExceeded(`while waiting for ${turn.label}`));
      }, left);
      line.waiting.add(waiter);
    });
  }

  /** The key goes to the first waiter still in line, or is dropped when nobody waits. */
  private next(key: string): void {
    const line = this.lines.get(key);
    if (!line) return;
    const first = line.waiting.values().next();
    if (first.done) {
      this.lines.delete(key);
      return;
    }
    line.waiting.delete(first.value);
    first.value.start();
  }
}
