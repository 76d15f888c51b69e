/**
 * A token bucket per sender: each sender may deliver `rate` entries per second sustained and
 * `burst` at once. One sender's flood empties only its own bucket, so the others keep their
 * share; the flood is refused before it is validated or aggregated, which keeps it cheap.
 */
export class SenderLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxSenders = 10_000,
  ) {}

  /** Takes `entries` tokens from the sender's bucket; false (nothing taken) when it has too few. */
  take(sender: string, entries: number, now = Date.now()): boolean {
    let bucket = this.buckets.get(sender);
    if (!bucket) {
      // Senders that fell silent are forgotten first, so the map stays bounded.
      if (this.buckets.size >= this.maxSenders) this.evictIdle(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(sender, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
      bucket.at = now;
    }
    if (entries > bucket.tokens) return false;
    bucket.tokens -= entries;
    return true;
  }

  get senders(): number {
    return this.buckets.size;
  }

  private evictIdle(now: number): void {
    for (const [sender, bucket] of this.buckets) {
      // A bucket refilled to its burst is indistinguishable from a new one.
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.rate >= this.burst) this.buckets.delete(sender);
    }
    if (this.buckets.size >= this.maxSenders) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
