import { RegistryContracts, type RoutingChanged } from '@evento/contracts';
import { BaseConfig, NatsConnectionService } from '@evento/platform';
import { Injectable, Logger, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, takeUntil } from 'rxjs';
import { InstancesService } from './instances.service';

/**
 * The live cluster view as a stream: a `snapshot` event with every instance, then one
 * `routing.changed` event per change any registry replica publishes (read from NATS, so changes
 * made by other replicas show up too).
 */
@Injectable()
export class ClusterStream implements OnModuleDestroy {
  private readonly logger = new Logger(ClusterStream.name);
  /** Ends every open stream at shutdown, so the HTTP server can close. */
  private readonly closing = new Subject<void>();

  constructor(
    private readonly instances: InstancesService,
    private readonly nats: NatsConnectionService,
    private readonly config: BaseConfig,
  ) {}

  events(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      // Subscribe before reading the snapshot, so no change falls between the two; changes that
      // arrive before the snapshot is out follow it (a client applying them changes nothing).
      let pending: MessageEvent[] | undefined = [];
      const subscription = this.nats.connection.subscribe(
        this.config.subject(RegistryContracts.routingChanged.subject),
        {
          callback: (error, msg) => {
            if (error) return subscriber.error(error);
            let change: RoutingChanged;
            try {
              change = msg.json<RoutingChanged>();
            } catch {
              this.logger.warn('Ignored a routing.changed notice that is not JSON');
              return;
            }
            const event: MessageEvent = { type: 'routing.changed', data: change };
            if (pending) pending.push(event);
            else subscriber.next(event);
          },
        },
      );
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
  }
}
