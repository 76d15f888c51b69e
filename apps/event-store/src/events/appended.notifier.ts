import { EventStoreContracts } from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * After each commit every replica learns that events were appended (a NATS fan-out, no queue
 * group), so fetches waiting for new events on any replica wake within milliseconds.
 */
@Injectable()
export class AppendedNotifier implements BeforeApplicationShutdown {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly pendingContexts = new Set<string>();
  private pendingCursor = '';
  private flushScheduled = false;
  private shuttingDown = false;

  constructor(private readonly client: EventoClient) {}

  /** A commit announced by any replica (this one included): wakes the fetches waiting here. */
  heard(contexts: string[]): void {
    this.local.emit('appended', contexts);
  }

  /**
   * Before the app drains its requests: waiting fetches stop waiting and answer now, so they
   * neither hold the shutdown nor get cut off without a reply when the drain times out.
   */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
    this.local.emit('shutdown');
  }

  /** True once the app is shutting down: fetches no longer wait. */
  get closing(): boolean {
    return this.shuttingDown;
  }

  /**
   * Announces a commit. The appends of one batch are answered in the same tick, so their
   * announcements are merged into one notification per commit.
   */
  publish(contexts: string[], cursor: string): void {
    for (const context of contexts) this.pendingContexts.add(context);
    this.pendingCursor = cursor;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      const merged = [...this.pendingContexts];
      const latest = this.pendingCursor;
      this.pendingContexts.clear();
      this.flushScheduled = false;
      // Local waiters first: no need to go through NATS to wake this replica's own fetches.
      this.local.emit('appended', merged);
      this.client.publish(EventStoreContracts.appended, { contexts: merged, cursor: latest });
    });
  }

  /**
   * Resolves true when events are appended in the context (or any, for `*`), false when `ms`
   * passed first or the app is shutting down.
   */
  waitForAppend(context: string | undefined, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (appended: boolean) => {
        clearTimeout(timer);
        this.local.off('appended', onAppended);
        this.local.off('shutdown', onShutdown);
        resolve(appended);
      };
      const onAppended = (contexts: string[]) => {
        if (!context || context === '*' || contexts.includes(context)) done(true);
      };
      const onShutdown = () => done(false);
      const timer = setTimeout(() => done(false), this.shuttingDown ? 0 : ms);
      this.local.on('appended', onAppended);
      this.local.on('shutdown', onShutdown);
    });
  }
}
