/**
 * Answers kept per request id, so a caller's retry gets the first answer instead of running
 * the request again. A retry that arrives while the first run is in flight joins it. Bounded
 * in entries (oldest evicted first) and in age. Failures are not kept: a retry runs again.
 */
export class RequestDedup<T> {
  private readonly done = new Map<string, { value: T; expires: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** `replayed` is true when the answer came from an earlier or concurrent run. */
  async run(key: string, work: () => Promise<T>): Promise<{ value: T; replayed: boolean }> {
    const now = Date.now();
    const kept = this.done.get(key);
    if (kept && kept.expires > now) return { value: kept.value, replayed: true };
    if (kept) this.done.delete(key);
    const running = this.inFlight.get(key);
    if (running) return { value: await running, replayed: true };
    const promise = work();
    this.inFlight.set(key, promise);
    try {
      const value = await promise;
      this.remember(key, value, now);
      return { value, replayed: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  get size(): number {
    return this.done.size;
  }

  private remember(key: string, value: T, now: number): void {
    if (this.maxEntries === 0) return;
    this.done.set(key, { value, expires: now + this.ttlMs });
    // Maps iterate in insertion order: the first keys are the oldest.
    for (const oldest of this.done.keys()) {
      if (this.done.size <= this.maxEntries) break;
      this.done.delete(oldest);
    }
  }
}
