import { IsBoolean, IsDefined, IsIn, IsObject, IsOptional, ValidateBy, ValidateIf } from 'class-validator';
import { type SnapshotBody } from '../event-store/aggregates.contract';
import { AsReceived, EventContent, type StoredEvent } from '../event-store/events.contract';
import { Nested } from '../validation/nested.decorator';

/*
 * Work the gateway sends to one bundle instance on its requests subject
 * (`evento.v1.bundle.<bundleId>.<instanceId>.requests`), with the caller's request id,
 * correlation id and deadline in the headers. The instance answers with the usual envelope:
 * `{ "data": <outcome> }` or `{ "error": { code, message, details } }`. A handler that throws
 * answers `HANDLER_FAILED` with `details.errorName` (and `details.stack` in development only).
 */

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const WORK_TYPES = ['domain-command', 'service-command', 'query'] as const;
export type WorkType = (typeof WORK_TYPES)[number];

/** The aggregate's story as the gateway loaded it, for the bundle to rebuild the state. */
export class AggregateStory {
  /** The aggregate's current version (0: it does not exist yet). */
  version: number;
  deleted: boolean;
  snapshot: SnapshotBody | null;
  /** Events after the snapshot, in version order. */
  events: StoredEvent[];
  /**
   * Set when the story did not fit one message: read the rest from the event store
   * (`evento.v1.event-store.aggregates.story` with `afterVersion`) before deciding.
   */
  nextAfterVersion: number | null;
}

export class DomainCommandWork {
  type: 'domain-command';
  command: string;
  payload: Record<string, unknown>;
  aggregateId: string;
  metadata: Record<string, unknown>;
  story: AggregateStory;
}

export class ServiceCommandWork {
  type: 'service-command';
  command: string;
  payload: Record<string, unknown>;
  aggregateId: string | null;
  lockId: string | null;
  metadata: Record<string, unknown>;
}

export class QueryWork {
  type: 'query';
  query: string;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export type InstanceWork = DomainCommandWork | ServiceCommandWork | QueryWork;

/** An event a handler decided on; the gateway stores it. */
export class EmittedEvent extends EventContent {}

export class NewSnapshot {
  @IsDefined({ message: 'snapshot.state is required' })
  @IsObject()
  @AsReceived()
  state: Record<string, unknown>;
}

/** The answer to a domain command: the event, and optionally a snapshot or a deletion. */
export class DomainCommandOutcome {
  // ValidateNested alone lets a missing value through: the event is what the command decided.
  @IsDefined({ message: 'event is required: a domain command decides one event' })
  @IsObject({ message: 'event must be an object' })
  @Nested(() => EmittedEvent)
  event: EmittedEvent;

  /** The aggregate's state after the event, to store as its snapshot at the new version. */
  @IsOptional()
  @Nested(() => NewSnapshot)
  snapshot?: NewSnapshot;

  /** The aggregate ends with this event: later commands find it deleted. */
  @IsOptional()
  @IsBoolean()
  deleteAggregate?: boolean;
}

/** The answer to a service command: an event to store, or none. */
export class ServiceCommandOutcome {
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsObject({ message: 'event must be an object or null' })
  @Nested(() => EmittedEvent)
  event?: EmittedEvent | null;
}

/** The answer to a query: one view, a list of views, or null. */
export class QueryOutcome {
  @ValidateBy({
    name: 'isQueryResult',
    validator: {
      validate: (value: unknown) =>
        value === null || isPlainObject(value) || (Array.isArray(value) && value.every(isPlainObject)),
      defaultMessage: () => 'result must be an object, an array of objects or null',
    },
  })
  @AsReceived()
  result: Record<string, unknown> | Record<string, unknown>[] | null;
}

/** Details of a HANDLER_FAILED error reply from a bundle. */
export class HandlerErrorDetails {
  @IsOptional()
  @IsIn(WORK_TYPES)
  work?: WorkType;

  /** The error's class name, e.g. `AggregateDeletedError`, `ListNotFound`. */
  errorName: string;

  /** Development only: never sent by a production bundle, never relayed in production. */
  stack?: string;
}
