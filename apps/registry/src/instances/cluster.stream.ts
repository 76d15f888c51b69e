import type { RoutingChanged } from '@evento/contracts';
import { Injectable, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, takeUntil } from 'rxjs';
import { InstancesService } from './instances.service';

/**
 * The live cluster view as a stream: a `snapshot` event with every instance, then one
 * `routing.changed` event per change any registry replica publishes (heard on NATS, so changes
 * made by other replicas show up too).
 */
@Injectable()
export class ClusterStream implements OnModuleDestroy {
  private readonly changes = new Subject<RoutingChanged>();
  /** Ends every open stream at shutdown, so the HTTP server can close. */
  private readonly closing = new Subject<void>();

  constructor(private readonly instances: InstancesService) {}

  /** A routing.changed notice heard on NATS: every open stream gets it. */
  noticed(change: RoutingChanged): void {
    this.changes.next(change);
  }

  events(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      // Listen before reading the snapshot, so no change falls between the two; changes that
      // arrive before the snapshot is out follow it (a client applying them changes nothing).
      let pending: MessageEvent[] | undefined = [];
      const subscription = this.changes.subscribe((change) => {
        const event: MessageEvent = { type: 'routing.changed', data: change };
        if (pending) pending.push(event);
        else subscriber.next(event);
      });
      this.instances.cluster().then(
        (snapshot) => {
          subscriber.next({ type: 'snapshot', data: snapshot });
          for (const event of pending ?? []) subscriber.next(event);
          pending = undefined;
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => subscription.unsubscribe();
    }).pipe(takeUntil(this.closing));
  }

  onModuleDestroy(): void {
    this.closing.next();
    this.closing.complete();
    this.changes.complete();
  }
}
