import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { NAME_PATTERN } from '../event-store/events.contract';
import { INSTANCE_ID_PATTERN, SESSION_ID_PATTERN } from './hello.contract';
import { Nested } from '../validation/nested.decorator';

export const COMPONENT_TYPES = [
  'aggregate',
  'service',
  'projector',
  'projection',
  'saga',
  'observer',
  'invoker',
] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const HANDLER_TYPES = [
  'aggregate-command',
  'service-command',
  'query',
  'event',
  'event-sourcing',
  'saga-event',
  'invocation',
] as const;
export type HandlerType = (typeof HANDLER_TYPES)[number];

export const PAYLOAD_KINDS = [
  'domain-command',
  'service-command',
  'domain-event',
  'service-event',
  'query',
  'view',
  'invocation',
] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** Bounds that keep a descriptor inside one NATS message and the catalog queries cheap. */
export const DescriptorLimits = {
  components: 500,
  handlersPerComponent: 200,
  payloads: 2000,
  invocationsPerHandler: 200,
  description: 2000,
  detail: 64 * 1024,
} as const;

const NAME_MESSAGE = 'must be 1-200 printable characters without spaces';

/**
 * A top-level property name of a payload: 1-200 printable characters without spaces, and none
 * of the keys the protocol refuses in bodies (they never reach a handler).
 */
export const PROPERTY_NAME_PATTERN = /^(?!(?:__proto__|constructor|prototype)$)[^\s\p{Cc}]{1,200}$/u;

export class HandlerDescriptor {
  @IsIn(HANDLER_TYPES)
  handlerType: HandlerType;

  /** Name of the handled payload; it must be declared in the descriptor's payloads. */
  @Matches(NAME_PATTERN, { message: `payload ${NAME_MESSAGE}` })
  payload: string;

  /** Name of what the handler returns (an event for aggregates and services, a view for projections). */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `returnType ${NAME_MESSAGE}` })
  returnType?: string;

  @IsOptional()
  @IsBoolean()
  returnsMany?: boolean;

  /** Sagas: the payload property that associates an event with a saga instance. */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `associationProperty ${NAME_MESSAGE}` })
  associationProperty?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  line?: number;

  /** Commands this handler sends (payload names, possibly of other bundles). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DescriptorLimits.invocationsPerHandler)
  @Matches(NAME_PATTERN, { each: true, message: `each invoked command ${NAME_MESSAGE}` })
  invokedCommands?: string[];

  /** Queries this handler sends. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DescriptorLimits.invocationsPerHandler)
  @Matches(NAME_PATTERN, { each: true, message: `each invoked query ${NAME_MESSAGE}` })
  invokedQueries?: string[];
}

export class ComponentDescriptor {
  @IsIn(COMPONENT_TYPES)
  type: ComponentType;

  @Matches(NAME_PATTERN, { message: `name ${NAME_MESSAGE}` })
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(DescriptorLimits.description)
  description?: string;

  /** Source file, relative to the repository root. */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  path?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  line?: number;

  @IsArray()
  @ArrayMaxSize(DescriptorLimits.handlersPerComponent)
  @Nested(() => HandlerDescriptor, { each: true })
  handlers: HandlerDescriptor[];
}

export class PayloadDescriptor {
  @Matches(NAME_PATTERN, { message: `name ${NAME_MESSAGE}` })
  name: string;

  @IsIn(PAYLOAD_KINDS)
  kind: PayloadKind;

  /** JSON Schema of the payload (draft-07 unless `$schema` says 2019-09 or 2020-12); it must compile. */
  @IsOptional()
  @IsObject()
  schema?: Record<string, unknown>;

  @IsOptional()
  @Matches(NAME_PATTERN, { message: `domain ${NAME_MESSAGE}` })
  domain?: string;

  /**
   * Domain commands only: the top-level payload property that holds the id of the aggregate the
   * command is for. The gateway then takes the aggregate id from the payload (a request's own
   * `aggregateId` becomes optional and must match it). Omitted: callers must send `aggregateId`.
   */
  @IsOptional()
  @IsString()
  @Matches(PROPERTY_NAME_PATTERN, {
    message: 'aggregateIdProperty must be a property name: 1-200 printable characters without spaces',
  })
  aggregateIdProperty?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DescriptorLimits.description)
  description?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DescriptorLimits.detail)
  detail?: string;
}

/** What a bundle tells the registry about itself; replaces what it reported before. */
export class BundleDescriptor {
  @IsOptional()
  @IsString()
  @MaxLength(DescriptorLimits.description)
  description?: string;

  /** Markdown. */
  @IsOptional()
  @IsString()
  @MaxLength(DescriptorLimits.detail)
  detail?: string;

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'repositoryUrl must be an http(s) URL' })
  @MaxLength(1000)
  repositoryUrl?: string;

  /** What goes between the file URL and the line number: `L` (GitHub, GitLab), `lines-` (Bitbucket). */
  @IsOptional()
  @IsString()
  @MaxLength(20)
  linePrefix?: string;

  @IsArray()
  @ArrayMaxSize(DescriptorLimits.components)
  @Nested(() => ComponentDescriptor, { each: true })
  components: ComponentDescriptor[];

  @IsArray()
  @ArrayMaxSize(DescriptorLimits.payloads)
  @Nested(() => PayloadDescriptor, { each: true })
  payloads: PayloadDescriptor[];
}

export class DiscoverRequest {
  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be 1-128 of A-Z a-z 0-9 _ -' })
  instanceId: string;

  @Matches(SESSION_ID_PATTERN, { message: 'sessionId must be the sessionId of the welcome' })
  sessionId: string;

  // @ValidateNested alone lets an absent object through (class-validator skips it).
  @IsDefined()
  @Nested(() => BundleDescriptor)
  descriptor: BundleDescriptor;
}

export class DiscoverResponse {
  bundleId: string;
  bundleVersion: string;
  components: number;
  handlers: number;
  payloads: number;
}

/**
 * A descriptor too large for one NATS message is sent as its JSON text cut in parts
 * (`bundles.discover-part`). The registry keeps the parts in Postgres, so each may reach any
 * replica, and assembles them when the last one arrives.
 */
export const DescriptorUploadLimits = {
  parts: 64,
  /** Characters of one chunk; the whole message must still fit in 1 MiB. */
  chunkChars: 768 * 1024,
} as const;

export class DiscoverPartRequest {
  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be 1-128 of A-Z a-z 0-9 _ -' })
  instanceId: string;

  @Matches(SESSION_ID_PATTERN, { message: 'sessionId must be the sessionId of the welcome' })
  sessionId: string;

  /** Chosen by the instance (a UUID), the same for every part of one descriptor. */
  @Matches(SESSION_ID_PATTERN, { message: 'uploadId must be a UUID' })
  uploadId: string;

  /** 1-based position of this chunk. */
  @IsInt()
  @Min(1)
  @Max(DescriptorUploadLimits.parts)
  part: number;

  /** How many parts the descriptor was cut into; the same in every part. */
  @IsInt()
  @Min(1)
  @Max(DescriptorUploadLimits.parts)
  parts: number;

  /** The part's slice of the descriptor's JSON text (cut between characters, never inside a surrogate pair). */
  @IsString()
  @MinLength(1)
  @MaxLength(DescriptorUploadLimits.chunkChars)
  chunk: string;
}

export class DiscoverPartResponse {
  uploadId: string;
  /** Parts the registry holds for this upload (all of them once complete). */
  received: number;
  parts: number;
  complete: boolean;
  /** With the part that completed the upload: the stored descriptor's counts, as `discover` answers. */
  result?: DiscoverResponse;
}
