import {
  type DomainCommandOutcome,
  type DomainCommandWork,
  type EmittedEvent,
  ErrorCode,
  type ErrorBody,
  EventoError,
  EventStoreContracts,
  type QueryOutcome,
  type QueryWork,
  type ServiceCommandOutcome,
  type ServiceCommandWork,
  type StoredEvent,
} from '@evento/contracts';
import {
  AggregateDeletedError,
  AggregateInitializedError,
  AggregateNotInitializedError,
  errorMessage,
  errorName,
} from '../errors';
import type { CommandGateway, QueryGateway } from '../gateways';
import { DomainEvent, payloadNameOf, ServiceEvent, toPlain } from '../payloads';
import { type BoundHandler, type ComponentSet, toPayloadInstance, toValidPayload } from './components';
import { runInScope } from './scope';
import type { Telemetry } from './telemetry';
import type { Transport } from './transport';

/** What an aggregate command handler gets besides the command and the state. */
export interface CommandContext {
  aggregateId: string;
  /** The aggregate's version before this command (0: it does not exist yet). */
  version: number;
  metadata: Record<string, unknown>;
  commandGateway: CommandGateway;
  queryGateway: QueryGateway;
  /** The aggregate ends with the event this handler returns: later commands are refused. */
  deleteAggregate(): void;
}

export interface ServiceContext {
  aggregateId: string | null;
  metadata: Record<string, unknown>;
  commandGateway: CommandGateway;
  queryGateway: QueryGateway;
}

export interface QueryContext {
  metadata: Record<string, unknown>;
  queryGateway: QueryGateway;
}

export interface EventSourcingContext {
  aggregateId: string;
  /** The event's version. */
  version: number;
  metadata: Record<string, unknown>;
}

export interface WorkHeaders {
  deadline?: number;
  correlationId?: string;
}

export interface WorkHandlerDeps {
  components: ComponentSet;
  transport: () => Transport;
  commandGateway: CommandGateway;
  queryGateway: QueryGateway;
  telemetry: Telemetry;
  /** Send stack traces with HANDLER_FAILED (development only). */
  exposeStacks: boolean;
}

/** Runs the work the gateway routes to this instance and builds its outcome. */
export class WorkHandler {
  constructor(private readonly deps: WorkHandlerDeps) {}

  async handle(body: unknown, headers: WorkHeaders): Promise<{ data: unknown } | { error: ErrorBody }> {
    const work = body as { type?: unknown };
    try {
      if (headers.deadline !== undefined && headers.deadline <= Date.now()) {
        throw new EventoError(ErrorCode.DEADLINE_EXCEEDED, 'The deadline passed before the work started');
      }
      checkWorkShape(body);
      switch (work?.type) {
        case 'domain-command':
          return { data: await this.domainCommand(body as DomainCommandWork, headers) };
        case 'service-command':
          return { data: await this.serviceCommand(body as ServiceCommandWork, headers) };
        case 'query':
          return { data: await this.query(body as QueryWork, headers) };
        default:
          throw new EventoError(ErrorCode.VALIDATION_FAILED, 'type must be domain-command, service-command or query');
      }
    } catch (error) {
      return { error: this.errorBody(error, work?.type) };
    }
  }

  private errorBody(error: unknown, type: unknown): ErrorBody {
    if (error instanceof EventoError && !(error instanceof HandlerFailure)) return error.toBody();
    const cause = error instanceof HandlerFailure ? error.cause : error;
    const details: Record<string, unknown> = { errorName: errorName(cause) };
    if (typeof type === 'string') details.work = type;
    if (this.deps.exposeStacks && cause instanceof Error && cause.stack) details.stack = cause.stack;
    return { code: ErrorCode.HANDLER_FAILED, message: errorMessage(cause), details };
  }

  private handlerFor(name: unknown, handlerType: string): BoundHandler {
    if (typeof name !== 'string') throw new EventoError(ErrorCode.VALIDATION_FAILED, 'The work names no payload');
    const handler = this.deps.components.requestHandlers.get(name);
    if (!handler || handler.meta.handlerType !== handlerType) {
      throw new EventoError(ErrorCode.NO_HANDLER, `This bundle has no ${handlerType} handler for ${name}`);
    }
    return handler;
  }

  private async domainCommand(work: DomainCommandWork, headers: WorkHeaders): Promise<DomainCommandOutcome> {
    const handler = this.handlerFor(work.command, 'aggregate-command');
    if (typeof work.aggregateId !== 'string' || typeof work.story !== 'object' || work.story === null) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'A domain command needs aggregateId and story');
    }
    const command = toValidPayload(handler.meta.payload!, work.payload, work.command);
    const metadata = objectOr(work.metadata);
    const story = work.story;
    const esHandlers = this.deps.components.eventSourcingHandlers(handler.component, handler.instance);

    let state: unknown = story.snapshot ? structuredClone(story.snapshot.state) : undefined;
    let replayed = 0;
    const apply = async (events: StoredEvent[]) => {
      for (const event of events) {
        state = await applyEvent(esHandlers, state, event.eventName, event.payload, {
          aggregateId: work.aggregateId,
          version: event.aggregateVersion ?? 0,
          metadata: event.metadata ?? {},
        });
        replayed += 1;
      }
    };
    await apply(story.events ?? []);
    let next = story.nextAfterVersion;
    while (next !== null && next !== undefined) {
      const page = await this.deps
        .transport()
        .request(
          EventStoreContracts.loadStory,
          { aggregateId: work.aggregateId, afterVersion: next },
          { deadline: headers.deadline },
        );
      await apply(page.events);
      next = page.nextAfterVersion;
    }

    const version = story.version ?? 0;
    const exists = version > 0 || story.snapshot !== null;
    if (story.deleted) throw new HandlerFailure(new AggregateDeletedError(work.aggregateId));
    if (handler.meta.init && exists) throw new HandlerFailure(new AggregateInitializedError(work.aggregateId));
    if (!handler.meta.init && !exists) throw new HandlerFailure(new AggregateNotInitializedError(work.aggregateId));

    let deleteAggregate = false;
    const context: CommandContext = {
      aggregateId: work.aggregateId,
      version,
      metadata,
      commandGateway: this.deps.commandGateway,
      queryGateway: this.deps.queryGateway,
      deleteAggregate: () => {
        deleteAggregate = true;
      },
    };
    const result = await this.run(handler, headers, () => handler.call(command, state, context));
    if (!(result instanceof DomainEvent)) {
      throw new HandlerFailure(
        new TypeError(
          `${handler.component.name}.${handler.meta.method} must return a DomainEvent, got ${describe(result)}`,
        ),
      );
    }
    const event: EmittedEvent = {
      eventName: payloadNameOf(result.constructor as typeof DomainEvent),
      payload: toPlain(result),
    };
    const outcome: DomainCommandOutcome = { event };
    if (deleteAggregate) outcome.deleteAggregate = true;
    const frequency = handler.component.snapshotFrequency;
    if (frequency >= 0 && !deleteAggregate && replayed + 1 >= frequency) {
      const after = await applyEvent(esHandlers, state, event.eventName, event.payload, {
        aggregateId: work.aggregateId,
        version: version + 1,
        metadata,
      });
      if (typeof after === 'object' && after !== null && !Array.isArray(after)) {
        outcome.snapshot = { state: toPlain(after) };
      }
    }
    return outcome;
  }

  private async serviceCommand(work: ServiceCommandWork, headers: WorkHeaders): Promise<ServiceCommandOutcome> {
    const handler = this.handlerFor(work.command, 'service-command');
    const command = toValidPayload(handler.meta.payload!, work.payload, work.command);
    const context: ServiceContext = {
      aggregateId: typeof work.aggregateId === 'string' ? work.aggregateId : null,
      metadata: objectOr(work.metadata),
      commandGateway: this.deps.commandGateway,
      queryGateway: this.deps.queryGateway,
    };
    const result = await this.run(handler, headers, () => handler.call(command, context));
    if (result === undefined || result === null) return { event: null };
    if (!(result instanceof ServiceEvent)) {
      throw new HandlerFailure(
        new TypeError(
          `${handler.component.name}.${handler.meta.method} must return a ServiceEvent or nothing, got ${describe(result)}`,
        ),
      );
    }
    return { event: { eventName: payloadNameOf(result.constructor as typeof ServiceEvent), payload: toPlain(result) } };
  }

  private async query(work: QueryWork, headers: WorkHeaders): Promise<QueryOutcome> {
    const handler = this.handlerFor(work.query, 'query');
    const query = toValidPayload(handler.meta.payload!, work.payload, work.query);
    const context: QueryContext = { metadata: objectOr(work.metadata), queryGateway: this.deps.queryGateway };
    const result = await this.run(handler, headers, () => handler.call(query, context));
    if (result === undefined || result === null) return { result: null };
    if (Array.isArray(result)) return { result: result.map((view) => toPlain(view)) };
    if (typeof result !== 'object') {
      throw new HandlerFailure(
        new TypeError(`${handler.component.name}.${handler.meta.method} must return a view, views or null`),
      );
    }
    return { result: toPlain(result) };
  }

  /** Runs a handler in its scope, timing it for telemetry; its own errors become HANDLER_FAILED. */
  private async run(handler: BoundHandler, headers: WorkHeaders, work: () => unknown): Promise<unknown> {
    const scope = {
      deadline: headers.deadline,
      correlationId: headers.correlationId,
      component: handler.component.name,
      handler: handler.meta.method,
      payload: handler.payloadName,
      invoked: new Map<string, number>(),
    };
    const started = Date.now();
    let outcome: 'ok' | 'error' = 'ok';
    try {
      return await runInScope(scope, async () => await work());
    } catch (error) {
      outcome = 'error';
      throw new HandlerFailure(error);
    } finally {
      this.deps.telemetry.record(scope, started, outcome);
    }
  }
}

/** A failure of the bundle's own code, as opposed to a protocol error. */
class HandlerFailure extends EventoError {
  constructor(override readonly cause: unknown) {
    super(ErrorCode.HANDLER_FAILED, errorMessage(cause));
  }
}

/** Applies one event to an aggregate's state through its event-sourcing handler (if any). */
export async function applyEvent(
  handlers: Map<string, BoundHandler>,
  state: unknown,
  eventName: string,
  payload: unknown,
  context: EventSourcingContext,
): Promise<unknown> {
  const handler = handlers.get(eventName);
  if (!handler) return state;
  const event = toPayloadInstance(handler.meta.payload, payload);
  const next = await handler.call(event, state, context);
  return next === undefined ? state : next;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The envelope of the work, before any of it is used: VALIDATION_FAILED names what is wrong. */
function checkWorkShape(body: unknown): void {
  const problems: string[] = [];
  if (!isObject(body)) {
    problems.push('the work must be a JSON object');
  } else {
    const name = body.type === 'query' ? body.query : body.command;
    if (typeof name !== 'string' || name.length === 0) {
      problems.push(`${body.type === 'query' ? 'query' : 'command'} must be a payload name`);
    }
    if (!isObject(body.payload)) problems.push('payload must be an object');
    if (body.metadata !== undefined && !isObject(body.metadata)) problems.push('metadata must be an object');
    if (body.type === 'domain-command') {
      if (typeof body.aggregateId !== 'string' || body.aggregateId.length === 0) {
        problems.push('aggregateId must be a string');
      }
      const story = body.story;
      if (!isObject(story)) {
        problems.push('story must be an object');
      } else {
        if (!Number.isInteger(story.version) || (story.version as number) < 0) {
          problems.push('story.version must be a whole number');
        }
        if (typeof story.deleted !== 'boolean') problems.push('story.deleted must be a boolean');
        if (!Array.isArray(story.events) || !story.events.every(isObject)) {
          problems.push('story.events must be an array of events');
        }
        if (
          story.snapshot !== null &&
          story.snapshot !== undefined &&
          !(isObject(story.snapshot) && isObject(story.snapshot.state))
        ) {
          problems.push('story.snapshot must be null or { version, state }');
        }
        if (
          story.nextAfterVersion !== null &&
          story.nextAfterVersion !== undefined &&
          !Number.isInteger(story.nextAfterVersion)
        ) {
          problems.push('story.nextAfterVersion must be null or a version');
        }
      }
    }
  }
  if (problems.length > 0) {
    throw new EventoError(
      ErrorCode.VALIDATION_FAILED,
      problems.join('; '),
      problems.map((problem) => ({ property: 'work', constraints: { shape: problem } })),
    );
  }
}

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
