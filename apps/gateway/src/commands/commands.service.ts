import {
  type AppendResponse,
  type CommandResult,
  DEFAULT_CONTEXT,
  DomainCommandOutcome,
  type DomainCommandWork,
  type EmittedEvent,
  ErrorCode,
  EventoError,
  EventStoreContracts,
  type InstanceWork,
  type RoutedInstance,
  type SendCommandRequest,
  ServiceCommandOutcome,
  type StoredEvent,
  type StoryResponse,
} from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import { InstanceDispatcher } from '../dispatch/instance-dispatcher.service';
import { GatewayMetrics, RequestTiming } from '../metrics/gateway-metrics.service';
import { eventIdFor, type RequestContext } from '../requests/request-context';
import { type Destination, RoutingTableService } from '../routing/routing-table.service';
import { InstanceSelector } from '../dispatch/instance-selector';
import { KeyedQueue } from './keyed-queue';
import { PayloadChecks } from '../requests/payload-checks';
import { RequestDedup } from './request-dedup';
import { ServiceLocksRepository } from './service-locks.repository';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const COMMAND_KINDS = ['domain-command', 'service-command'] as const;

/**
 * Commands, the event-sourcing way: a domain command is run against its aggregate's story by
 * the bundle, and the event it decides on is appended with the version the story had, so an
 * aggregate can never fork. Service commands run anywhere, one at a time per lock id.
 */
@Injectable()
export class CommandsService {
  private readonly aggregates = new KeyedQueue();
  private readonly locks = new KeyedQueue();
  private readonly dedup: RequestDedup<CommandResult>;

  constructor(
    private readonly routing: RoutingTableService,
    private readonly selector: InstanceSelector,
    private readonly dispatcher: InstanceDispatcher,
    private readonly client: EventoClient,
    private readonly serviceLocks: ServiceLocksRepository,
    private readonly checks: PayloadChecks,
    private readonly metrics: GatewayMetrics,
    private readonly config: GatewayConfig,
  ) {
    this.dedup = new RequestDedup(config.GATEWAY_DEDUP_ENTRIES, config.GATEWAY_DEDUP_TTL_MS);
  }

  async send(request: SendCommandRequest, context: RequestContext): Promise<CommandResult> {
    const destination = await this.routing.resolve(request.command, COMMAND_KINDS);
    const kind = destination.route.kind as (typeof COMMAND_KINDS)[number];
    const timing = new RequestTiming(kind, request.command);
    timing.bundleId = destination.route.bundleId;
    try {
      const run = () =>
        kind === 'domain-command'
          ? this.domain(request, destination, context, timing)
          : this.service(request, destination, context, timing);
      const { value, replayed } = context.callerRequestId
        ? await this.dedup.run(context.requestId, run)
        : { value: await run(), replayed: false };
      this.metrics.record(timing);
      return replayed ? { ...value, replayed: true } : value;
    } catch (error) {
      this.metrics.record(timing, error instanceof EventoError ? error.code : ErrorCode.INTERNAL);
      throw error;
    }
  }

  private async domain(
    request: SendCommandRequest,
    destination: Destination,
    context: RequestContext,
    timing: RequestTiming,
  ): Promise<CommandResult> {
    const aggregateId = request.aggregateId;
    if (!aggregateId) {
      throw new EventoError(
        ErrorCode.VALIDATION_FAILED,
        `${request.command} is a domain command: aggregateId is required`,
      );
    }
    await this.checks.check(request.command, request.payload, context);
    const eventId = eventIdFor(context.requestId);
    return this.aggregates.run(aggregateId, async (waitedMs) => {
      timing.waitMs = waitedMs;
      for (let attempt = 0; ; attempt += 1) {
        context.ensureTime(`while ${request.command} waited for aggregate ${aggregateId}`);
        const story = await timing.time('loadMs', () => this.loadStory(aggregateId, request.ignoreSnapshot, context));
        // A retry of a command whose event is already stored (by any gateway) gets that event.
        const stored = story.events.find((event) => event.eventId === eventId);
        if (stored) return this.result('domain-command', stored, destination.route.bundleId, '', story.deleted, true);

        const work: DomainCommandWork = {
          type: 'domain-command',
          command: request.command,
          payload: request.payload,
          aggregateId,
          metadata: request.metadata ?? {},
          story: {
            version: story.version,
            deleted: story.deleted,
            snapshot: story.snapshot,
            events: story.events,
            nextAfterVersion: story.nextAfterVersion,
          },
        };
        const { outcome, instance } = await timing.time('bundleMs', () =>
          this.dispatcher.dispatch(destination, work, context, DomainCommandOutcome, {
            pick: (instances) => this.selector.sticky(aggregateId, instances),
            resendWhenLost: true,
          }),
        );
        const event = this.storedShape(outcome.event, request, context, destination.route.bundleId, instance);
        let appended: AppendResponse;
        try {
          appended = await timing.time('appendMs', () =>
            this.client.request(
              EventStoreContracts.append,
              {
                aggregateId,
                expectedVersion: story.version === 0 ? 'none' : story.version,
                events: [{ eventId, ...event }],
              },
              context.downstream('before the event store was called'),
            ),
          );
        } catch (error) {
          if (this.retryableConflict(error, attempt, context)) {
            this.metrics.conflict();
            // Two gateways racing on one aggregate would otherwise retry in lockstep.
            await sleep(Math.random() * Math.min(50, 2 ** attempt));
            continue;
          }
          throw error;
        }
        timing.events.push(event.eventName);
        const result = this.result(
          'domain-command',
          {
            ...event,
            eventId,
            position: appended.positions[0],
            cursor: appended.cursor,
            aggregateId,
            aggregateVersion: appended.version,
            createdAt: new Date().toISOString(),
            deletedAt: null,
          },
          destination.route.bundleId,
          instance.instanceId,
          false,
          false,
        );
        await timing.time('appendMs', () => this.afterAppend(aggregateId, appended, outcome, result, context));
        return result;
      }
    });
  }

  private async service(
    request: SendCommandRequest,
    destination: Destination,
    context: RequestContext,
    timing: RequestTiming,
  ): Promise<CommandResult> {
    await this.checks.check(request.command, request.payload, context);
    const started = performance.now();
    const run = async (): Promise<CommandResult> => {
      timing.waitMs = performance.now() - started;
      const work: InstanceWork = {
        type: 'service-command',
        command: request.command,
        payload: request.payload,
        aggregateId: request.aggregateId ?? null,
        lockId: request.lockId ?? null,
        metadata: request.metadata ?? {},
      };
      // The service may have acted before it vanished: a lost instance is an error, not a resend.
      const { outcome, instance } = await timing.time('bundleMs', () =>
        this.dispatcher.dispatch(destination, work, context, ServiceCommandOutcome, {
          pick: (instances) => this.selector.balanced(instances),
          resendWhenLost: false,
        }),
      );
      if (!outcome.event) {
        return this.result('service-command', null, destination.route.bundleId, instance.instanceId, false, false);
      }
      const event = this.storedShape(outcome.event, request, context, destination.route.bundleId, instance);
      const eventId = eventIdFor(context.requestId);
      timing.events.push(event.eventName);
      const appended = await timing.time('appendMs', () =>
        this.client.request(
          EventStoreContracts.append,
          {
            aggregateId: request.aggregateId,
            expectedVersion: request.aggregateId ? 'any' : undefined,
            events: [{ eventId, ...event }],
          },
          context.downstream('before the event store was called'),
        ),
      );
      return this.result(
        'service-command',
        {
          ...event,
          eventId,
          position: appended.positions[0],
          cursor: appended.cursor,
          aggregateId: request.aggregateId ?? null,
          aggregateVersion: request.aggregateId ? appended.version : null,
          createdAt: new Date().toISOString(),
          deletedAt: null,
        },
        destination.route.bundleId,
        instance.instanceId,
        false,
        appended.duplicate,
      );
    };
    const lockId = request.lockId;
    if (!lockId) return run();
    // One waiter per lock id per gateway holds a database connection; the others queue here.
    return this.locks.run(lockId, () =>
      this.serviceLocks.withLock(lockId, context.ensureTime(`while waiting for lock ${lockId}`), run),
    );
  }

  private loadStory(
    aggregateId: string,
    ignoreSnapshot: boolean | undefined,
    context: RequestContext,
  ): Promise<StoryResponse> {
    return this.client.request(
      EventStoreContracts.loadStory,
      { aggregateId, ignoreSnapshot: ignoreSnapshot || undefined },
      context.downstream('before the event store was called'),
    );
  }

  private async afterAppend(
    aggregateId: string,
    appended: AppendResponse,
    outcome: DomainCommandOutcome,
    result: CommandResult,
    context: RequestContext,
  ): Promise<void> {
    if (appended.duplicate) return;
    if (outcome.snapshot) {
      await this.client.request(
        EventStoreContracts.saveSnapshot,
        { aggregateId, version: appended.version, state: outcome.snapshot.state },
        context.downstream('before the event store was called'),
      );
    }
    if (outcome.deleteAggregate) {
      const deleted = await this.client.request(
        EventStoreContracts.deleteAggregate,
        { aggregateId, deletedBy: `bundle:${result.bundleId}`, reason: `${result.event?.eventName ?? 'event'}` },
        context.downstream('before the event store was called'),
      );
      result.aggregateDeleted = true;
      if (result.event) result.event.deletedAt = deleted.deletedAt;
    }
  }

  private retryableConflict(error: unknown, attempt: number, context: RequestContext): boolean {
    if (!(error instanceof EventoError) || error.code !== ErrorCode.CONFLICT) return false;
    const details = (error.details ?? {}) as { deleted?: boolean };
    if (details.deleted) return false;
    if (attempt >= this.config.GATEWAY_CONFLICT_RETRIES || context.remaining() <= 0) {
      throw new EventoError(
        ErrorCode.CONFLICT,
        `${error.message} (still conflicting after ${attempt + 1} attempts)`,
        error.details,
      );
    }
    return true;
  }

  private storedShape(
    event: EmittedEvent,
    request: SendCommandRequest,
    context: RequestContext,
    bundleId: string,
    instance: RoutedInstance,
  ): Pick<StoredEvent, 'eventName' | 'context' | 'payload' | 'metadata'> {
    return {
      eventName: event.eventName,
      context: event.context ?? DEFAULT_CONTEXT,
      payload: event.payload,
      metadata: {
        ...request.metadata,
        ...event.metadata,
        evento: {
          requestId: context.requestId,
          correlationId: context.correlationId,
          command: request.command,
          bundleId,
          instanceId: instance.instanceId,
          ...(request.source ? { source: request.source } : {}),
        },
      },
    };
  }

  private result(
    kind: CommandResult['kind'],
    event: StoredEvent | null,
    bundleId: string,
    instanceId: string,
    aggregateDeleted: boolean,
    replayed: boolean,
  ): CommandResult {
    return { kind, event, aggregateDeleted, bundleId, instanceId, replayed };
  }
}
