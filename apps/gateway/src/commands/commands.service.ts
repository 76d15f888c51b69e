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
import { domainAggregateId } from './command-target';
import { KeyedQueue } from './keyed-queue';
import { PayloadChecks } from '../requests/payload-checks';
import { RequestDedup } from './request-dedup';
import { fingerprintIn, fingerprintOf, requestIdReused } from './request-fingerprint';
import { ServiceLocksRepository } from './service-locks.repository';
import { ServiceRequestDedup } from './service-request-dedup.service';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const COMMAND_KINDS = ['domain-command', 'service-command'] as const;

/** A command as the gateway runs it: the request, where it goes, and what identifies it. */
interface Command {
  request: SendCommandRequest;
  destination: Destination;
  /** Digest of command, aggregate, lock id and payload: a retry must match it. */
  fingerprint: string;
}

type StoredContent = Pick<StoredEvent, 'eventName' | 'context' | 'payload' | 'metadata'>;

/**
 * Commands, the event-sourcing way: a domain command is run against its aggregate's story by
 * the bundle, and the event it decides on is appended with the version the story had, so an
 * aggregate can never fork. Service commands run anywhere, one at a time per lock id.
 */
@Injectable()
export class CommandsService {
  private readonly aggregates: KeyedQueue;
  private readonly locks: KeyedQueue;
  private readonly dedup: RequestDedup<CommandResult>;

  constructor(
    private readonly routing: RoutingTableService,
    private readonly selector: InstanceSelector,
    private readonly dispatcher: InstanceDispatcher,
    private readonly client: EventoClient,
    private readonly serviceLocks: ServiceLocksRepository,
    private readonly serviceRequests: ServiceRequestDedup,
    private readonly checks: PayloadChecks,
    private readonly metrics: GatewayMetrics,
    private readonly config: GatewayConfig,
  ) {
    this.aggregates = new KeyedQueue(config.GATEWAY_MAX_QUEUED_PER_KEY);
    this.locks = new KeyedQueue(config.GATEWAY_MAX_QUEUED_PER_KEY);
    this.dedup = new RequestDedup(config.GATEWAY_DEDUP_ENTRIES, config.GATEWAY_DEDUP_TTL_MS);
  }

  async send(request: SendCommandRequest, context: RequestContext): Promise<CommandResult> {
    const destination = await this.routing.resolve(request.command, COMMAND_KINDS, context);
    const kind = destination.route.kind as (typeof COMMAND_KINDS)[number];
    const timing = new RequestTiming(kind, request.command);
    timing.bundleId = destination.route.bundleId;
    try {
      let run: () => Promise<CommandResult>;
      let fingerprint: string;
      if (kind === 'domain-command') {
        const aggregateId = domainAggregateId(request, destination.route.aggregateIdProperty ?? null);
        fingerprint = fingerprintOf({ command: request.command, aggregateId, lockId: null, payload: request.payload });
        run = () => this.domain({ request, destination, fingerprint }, aggregateId, context, timing);
      } else {
        if (request.expectedVersion !== undefined) {
          throw new EventoError(
            ErrorCode.VALIDATION_FAILED,
            `${request.command} is a service command: expectedVersion is for domain commands`,
            [
              {
                property: 'expectedVersion',
                constraints: { domainCommandOnly: 'expectedVersion is for domain commands' },
              },
            ],
          );
        }
        fingerprint = fingerprintOf({
          command: request.command,
          aggregateId: request.aggregateId ?? null,
          lockId: request.lockId ?? null,
          payload: request.payload,
        });
        const command = { request, destination, fingerprint };
        // Across gateways too: the id's record in the gateway schema says whether it ran.
        run = context.callerRequestId
          ? () => this.serviceRequests.run(context, fingerprint, () => this.service(command, context, timing))
          : () => this.service(command, context, timing);
      }
      const { value, replayed } = context.callerRequestId
        ? await this.dedup.run(context, fingerprint, run)
        : { value: await run(), replayed: false };
      this.metrics.record(timing);
      return replayed ? { ...value, replayed: true } : value;
    } catch (error) {
      this.metrics.record(timing, error instanceof EventoError ? error.code : ErrorCode.INTERNAL);
      throw error;
    }
  }

  private async domain(
    command: Command,
    aggregateId: string,
    context: RequestContext,
    timing: RequestTiming,
  ): Promise<CommandResult> {
    const { request, destination } = command;
    await this.checks.check(request.command, request.payload, context);
    const eventId = eventIdFor(context.requestId);
    const turn = { deadline: context.deadline, label: `aggregate ${aggregateId}` };
    return this.aggregates.run(aggregateId, turn, async (waitedMs) => {
      timing.waitMs = waitedMs;
      for (let attempt = 0; ; attempt += 1) {
        context.ensureTime(`while ${request.command} waited for aggregate ${aggregateId}`);
        const story = await timing.time('loadMs', () => this.loadStory(aggregateId, request.ignoreSnapshot, context));
        // A retry of a command whose event is already stored (by any gateway) gets that event.
        const stored = story.events.find((event) => event.eventId === eventId);
        if (stored) {
          this.ensureSameRequest(stored, command, context);
          return this.result('domain-command', stored, destination.route.bundleId, '', story.deleted, true);
        }
        this.ensureExpectedVersion(request, aggregateId, story.version);

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
        const event = this.storedShape(outcome.event, command, context, instance);
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
          if (this.retryableConflict(error, attempt, request, context)) {
            this.metrics.conflict();
            // Two gateways racing on one aggregate would otherwise retry in lockstep.
            await sleep(Math.random() * Math.min(50, 2 ** attempt));
            continue;
          }
          throw error;
        }
        // The event id was stored already, by this request on a page of the story not loaded
        // (before the snapshot) or by another request reusing the id: the stored event decides.
        if (appended.duplicate) return this.replayDuplicate(appended, command, context);
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

  private async service(command: Command, context: RequestContext, timing: RequestTiming): Promise<CommandResult> {
    const { request, destination } = command;
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
      const event = this.storedShape(outcome.event, command, context, instance);
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
      if (appended.duplicate) return this.replayDuplicate(appended, command, context);
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
        false,
      );
    };
    const lockId = request.lockId;
    if (!lockId) return run();
    // One waiter per lock id per gateway holds a database connection; the others queue here.
    return this.locks.run(lockId, { deadline: context.deadline, label: `lock id ${lockId}` }, () =>
      this.serviceLocks.withLock(lockId, context, run),
    );
  }

  /** CONFLICT before the bundle is asked when the caller pinned a version the aggregate is not at. */
  private ensureExpectedVersion(request: SendCommandRequest, aggregateId: string, actualVersion: number): void {
    const expectedVersion = request.expectedVersion;
    if (expectedVersion === undefined || expectedVersion === actualVersion) return;
    throw new EventoError(
      ErrorCode.CONFLICT,
      `${request.command} expected aggregate ${aggregateId} at version ${expectedVersion}; it is at ${actualVersion}`,
      { aggregateId, expectedVersion, actualVersion },
    );
  }

  /** A stored event with this request's id must come from this very request, not another that reused the id. */
  private ensureSameRequest(stored: Pick<StoredEvent, 'metadata'>, command: Command, context: RequestContext): void {
    const recorded = fingerprintIn(stored.metadata);
    // Events stored before fingerprints existed carry none: they cannot be told apart.
    if (recorded !== undefined && recorded !== command.fingerprint) throw requestIdReused(context.requestId);
  }

  /** The event store already held this request id's event: answer with it, or CONFLICT if another request stored it. */
  private async replayDuplicate(
    appended: AppendResponse,
    command: Command,
    context: RequestContext,
  ): Promise<CommandResult> {
    const position = appended.positions[0];
    const found = await this.client.request(
      EventStoreContracts.search,
      { fromPosition: position, toPosition: position, pageSize: 1 },
      context.downstream('before the stored event was read'),
    );
    const stored = found.items[0];
    if (!stored) {
      throw new EventoError(
        ErrorCode.CONFLICT,
        `Request id ${context.requestId} was used before, and its event is gone`,
        {
          reason: 'request-id-reused',
          requestId: context.requestId,
        },
      );
    }
    this.ensureSameRequest(stored, command, context);
    const kind = command.destination.route.kind === 'service-command' ? 'service-command' : 'domain-command';
    const instanceId = (stored.metadata.evento as { instanceId?: unknown } | undefined)?.instanceId;
    return this.result(
      kind,
      stored,
      command.destination.route.bundleId,
      typeof instanceId === 'string' ? instanceId : '',
      stored.deletedAt !== null,
      true,
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

  /**
   * True when the append lost a race for the aggregate and may run again. A caller who pinned
   * `expectedVersion` asked for exactly that version: the race is theirs to see (CONFLICT).
   */
  private retryableConflict(
    error: unknown,
    attempt: number,
    request: SendCommandRequest,
    context: RequestContext,
  ): boolean {
    if (!(error instanceof EventoError) || error.code !== ErrorCode.CONFLICT) return false;
    const details = (error.details ?? {}) as { deleted?: boolean };
    if (details.deleted) return false;
    if (request.expectedVersion !== undefined) {
      throw new EventoError(ErrorCode.CONFLICT, `${error.message} (expected version ${request.expectedVersion})`, {
        ...details,
        expectedVersion: request.expectedVersion,
      });
    }
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
    command: Command,
    context: RequestContext,
    instance: RoutedInstance,
  ): StoredContent {
    const { request, destination, fingerprint } = command;
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
          bundleId: destination.route.bundleId,
          instanceId: instance.instanceId,
          fingerprint,
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
