import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  AsReceived,
  EVENT_ID_PATTERN,
  EventContent,
  MAX_VERSION,
  NAME_PATTERN,
  type StoredEvent,
} from '../event-store/events.contract';
import { BUNDLE_ID_PATTERN, INSTANCE_ID_PATTERN } from '../registry/hello.contract';
import { Nested } from '../validation/nested.decorator';

const NAME_RULE = '1-200 printable characters without spaces';

/** Who sent a request: kept for telemetry's invocation graph and in the logs. */
export class RequestSource {
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'source.bundleId must be a bundle id' })
  bundleId?: string;

  @IsOptional()
  @Matches(INSTANCE_ID_PATTERN, { message: 'source.instanceId must be an instance id' })
  instanceId?: string;

  @IsOptional()
  @Matches(NAME_PATTERN, { message: `source.component must be ${NAME_RULE}` })
  component?: string;

  @IsOptional()
  @Matches(NAME_PATTERN, { message: `source.handler must be ${NAME_RULE}` })
  handler?: string;
}

/**
 * A command, by payload name. The routing table says whether it is a domain command (an
 * aggregate handles it) or a service command. A domain command's aggregate is the payload
 * property its descriptor names (`aggregateIdProperty`), else `aggregateId`, which is then required.
 */
export class SendCommandRequest {
  @Matches(NAME_PATTERN, { message: `command must be ${NAME_RULE}` })
  command: string;

  @IsObject()
  @AsReceived()
  payload: Record<string, unknown>;

  /**
   * Domain commands: the aggregate the command is for; optional when the descriptor names the
   * payload property that holds it, and then it must be the same id (else VALIDATION_FAILED).
   * Service commands: stored with the event.
   */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `aggregateId must be ${NAME_RULE}` })
  aggregateId?: string;

  /**
   * Domain commands: run only if the aggregate is at this version (0: it does not exist yet),
   * else CONFLICT with `details.actualVersion`; never retried after a lost race.
   */
  @IsOptional()
  @IsInt({ message: 'expectedVersion must be an integer' })
  @Min(0, { message: 'expectedVersion must be 0 or more' })
  @Max(MAX_VERSION, { message: `expectedVersion must be at most ${MAX_VERSION}` })
  expectedVersion?: number;

  /** Service commands with the same lock id never run at the same time anywhere in the cluster. */
  @IsOptional()
  @IsString()
  @Matches(/^\S{1,200}$/, { message: 'lockId must be 1-200 characters without spaces' })
  lockId?: string;

  /** Copied into the stored event's metadata (with the request and correlation ids). */
  @IsOptional()
  @IsObject()
  @AsReceived()
  metadata?: Record<string, unknown>;

  /** Domain commands: replay the whole story instead of starting from the snapshot. */
  @IsOptional()
  @IsBoolean()
  ignoreSnapshot?: boolean;

  @IsOptional()
  @Nested(() => RequestSource)
  source?: RequestSource;
}

export class CommandResult {
  kind: 'domain-command' | 'service-command';
  /** The stored event; null when a service command returned none. */
  event: StoredEvent | null;
  /** Domain commands: the aggregate was deleted by this command. */
  aggregateDeleted: boolean;
  /** Bundle and instance that handled it. */
  bundleId: string;
  instanceId: string;
  /** True when this answers a request id already served (a retry): nothing ran again. */
  replayed: boolean;
}

export class SendQueryRequest {
  @Matches(NAME_PATTERN, { message: `query must be ${NAME_RULE}` })
  query: string;

  @IsObject()
  @AsReceived()
  payload: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  @AsReceived()
  metadata?: Record<string, unknown>;

  @IsOptional()
  @Nested(() => RequestSource)
  source?: RequestSource;
}

export class QueryResult {
  /** One view, a list of views, or null when the projection found nothing. */
  result: Record<string, unknown> | Record<string, unknown>[] | null;
  bundleId: string;
  instanceId: string;
}

/** An event published to a topic (context + event name) without a command. */
export class PublishEventRequest extends EventContent {
  /** Makes a retried publish safe: an event id already stored is answered, not stored twice. */
  @IsOptional()
  @Matches(EVENT_ID_PATTERN, { message: 'eventId must be 1-128 of A-Z a-z 0-9 . _ : -' })
  eventId?: string;

  @IsOptional()
  @Nested(() => RequestSource)
  source?: RequestSource;
}

export class PublishResult {
  event: StoredEvent;
  duplicate: boolean;
}

/** The gateway's copy of the routing table, as it routes right now. */
export class GatewayRoute {
  payload: string;
  kind: string;
  bundleId: string;
  componentName: string;
  /** Domain commands: the payload property the aggregate id is taken from (null: the request's `aggregateId`). */
  aggregateIdProperty: string | null;
  instances: string[];
}

export class GatewayRoutesRequest {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  payload?: string;
}

export class GatewayRoutesResponse {
  gatewayInstanceId: string;
  /** When the table was last loaded from the registry. */
  loadedAt: string | null;
  routes: GatewayRoute[];
}
