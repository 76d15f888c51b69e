/**
 * Requests being handled, so a shutdown that has stopped intake can wait for the last answer
 * (bounded: a stuck handler must not hold the shutdown past its timeout).
 */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Marks a request started; the returned function marks it done (calling it again is harmless). */
  start(): () => void {
    this.count += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.count -= 1;
      if (this.count === 0) this.waiters.splice(0).forEach((resolve) => resolve());
    };
  }

  /** Resolves once nothing is in flight, or after `ms`. */
  async idle(ms: number): Promise<void> {
    if (this.count === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => this.waiters.push(resolve)),
      new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref()),
    ]);
  }
}
