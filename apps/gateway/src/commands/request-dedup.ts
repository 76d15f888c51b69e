import type { RequestContext } from '../requests/request-context';
import { requestIdReused } from './request-fingerprint';

interface Kept<T> {
  fingerprint: string;
  value: T;
  expires: number;
}

interface Running<T> {
  fingerprint: string;
  promise: Promise<T>;
}

/**
 * Answers kept per request id, so a caller's retry gets the first answer instead of running
 * the request again. A retry that arrives while the first run is in flight joins it (within its
 * own deadline). Each id is kept with its request's fingerprint: the same id with another
 * request is CONFLICT. Bounded in entries (oldest evicted first) and in age. Failures are not
 * kept: a retry runs again.
 */
export class RequestDedup<T> {
  private readonly done = new Map<string, Kept<T>>();
  private readonly inFlight = new Map<string, Running<T>>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** `replayed` is true when the answer came from an earlier or concurrent run. */
  async run(
    context: RequestContext,
    fingerprint: string,
    work: () => Promise<T>,
  ): Promise<{ value: T; replayed: boolean }> {
    const key = context.requestId;
    const now = Date.now();
    const kept = this.done.get(key);
    if (kept && kept.expires > now) {
      if (kept.fingerprint !== fingerprint) throw requestIdReused(key);
      return { value: kept.value, replayed: true };
    }
    if (kept) this.done.delete(key);
    const running = this.inFlight.get(key);
    if (running) {
      if (running.fingerprint !== fingerprint) throw requestIdReused(key);
      return { value: await context.bound(running.promise, `while request ${key} ran`), replayed: true };
    }
    const promise = work();
    this.inFlight.set(key, { fingerprint, promise });
    try {
      const value = await promise;
      this.remember(key, fingerprint, value, now);
      return { value, replayed: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  get size(): number {
    return this.done.size;
  }

  private remember(key: string, fingerprint: string, value: T, now: number): void {
    if (this.maxEntries === 0) return;
    this.done.set(key, { fingerprint, value, expires: now + this.ttlMs });
    // Maps iterate in insertion order: the first keys are the oldest.
    for (const oldest of this.done.keys()) {
      if (this.done.size <= this.maxEntries) break;
      this.done.delete(oldest);
    }
  }
}
