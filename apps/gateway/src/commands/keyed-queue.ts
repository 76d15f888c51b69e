/**
 * Runs work one at a time per key, in arrival order; different keys run concurrently. The
 * gateway serialises commands per aggregate (and per lock id) with it, so commands on one
 * aggregate never race each other inside a gateway.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** `run` receives the milliseconds it waited for its turn. */
  async run<T>(key: string, run: (waitedMs: number) => Promise<T>): Promise<T> {
    const queuedAt = performance.now();
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await run(performance.now() - queuedAt);
    } finally {
      release();
      // The last in line cleans up, so the map only holds keys with work queued.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  get activeKeys(): number {
    return this.tails.size;
  }
}
