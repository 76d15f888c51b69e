import { Exclude, Transform, type TransformFnParams, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { Nested } from '../validation/nested.decorator';

/** Names of aggregates, contexts and events: printable, no spaces, bounded. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$/;
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const DEFAULT_CONTEXT = 'default';
/** The largest serialized payload + metadata of one event, so any event fits in a NATS reply. */
export const MAX_EVENT_BYTES = 512 * 1024;
/** Byte budget of any reply that carries events (stories, fetches, searches). */
export const MAX_REPLY_BYTES = 768 * 1024;
/** Aggregate versions are 32-bit integers in the log. */
export const MAX_VERSION = 2_147_483_647;
/** Positions are 64-bit signed integers in the log. */
export const MAX_POSITION = 9_223_372_036_854_775_807n;

/** A position as a decimal string the log can hold. */
export function isPosition(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_POSITION;
}

/** A class whose instances class-transformer never looks into (it has no exposed key). */
@Exclude()
class OpaqueJson {}

/**
 * A free-form JSON object (payload, metadata, snapshot state) kept exactly as received. The
 * validation engine never rebuilds bodies, but class-transformer's plainToInstance (in code that
 * instantiates these classes) would, and silently drop every key named like an Object.prototype
 * member (`constructor`, `toString`, `valueOf`, `__proto__`, ...), at any depth.
 */
export function AsReceived(): PropertyDecorator {
  const opaque = Type(() => OpaqueJson);
  const keep = Transform(({ obj, key }: TransformFnParams) => (obj as Record<string, unknown>)[key], {
    toClassOnly: true,
  });
  return (target, property) => {
    opaque(target, property);
    keep(target, property);
  };
}

/** What an event says: its name, its context, its payload and metadata. */
export class EventContent {
  @Matches(NAME_PATTERN, { message: 'eventName must be 1-200 printable characters without spaces' })
  eventName: string;

  /** Partition of the log that consumers read; `default` when omitted. */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'context must be 1-200 printable characters without spaces' })
  context?: string;

  @IsObject()
  @AsReceived()
  payload: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  @AsReceived()
  metadata?: Record<string, unknown>;
}

/** One event to append. */
export class NewEvent extends EventContent {
  /** Unique id chosen by the writer; a retry with the same id is answered, not stored twice. */
  @Matches(EVENT_ID_PATTERN, { message: 'eventId must be 1-128 of A-Z a-z 0-9 . _ : -' })
  eventId: string;
}

/** `any`: no check; `none`: the aggregate must not exist yet; a number: its current version. */
export type ExpectedVersion = number | 'any' | 'none';

export class AppendRequest {
  /** Omitted for service events, which are appended without a version check. */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'aggregateId must be 1-200 printable characters without spaces' })
  aggregateId?: string;

  @IsOptional()
  @ValidateBy({
    name: 'isExpectedVersion',
    validator: {
      validate: (value: unknown) =>
        value === 'any' ||
        value === 'none' ||
        (Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_VERSION),
      defaultMessage: () => `expectedVersion must be an integer from 0 to ${MAX_VERSION}, "any" or "none"`,
    },
  })
  expectedVersion?: ExpectedVersion;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Nested(() => NewEvent, { each: true })
  events: NewEvent[];
}

export class AppendResponse {
  /** Global positions of the stored events, in order. */
  positions: string[];
  /** The aggregate's version after the append (0 for service events). */
  version: number;
  /** Reader cursor of the last stored event. */
  cursor: string;
  /** True when the event ids were already stored: this is the original result. */
  duplicate: boolean;
}

/** An event as stored. Positions are strings: they are 64-bit. */
export class StoredEvent {
  position: string;
  cursor: string;
  eventId: string;
  aggregateId: string | null;
  aggregateVersion: number | null;
  context: string;
  eventName: string;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: string;
  deletedAt: string | null;
}

export class FetchRequest {
  /** Cursor of the last event already read; omitted or empty to read from the start. */
  @IsOptional()
  @IsString()
  @Matches(/^(|\d{1,20}|\d{1,20}:\d{1,20})$/, { message: 'after must be a cursor returned by the event store' })
  after?: string;

  /** Exact context, or `*` (the default) for all contexts. */
  @IsOptional()
  @ValidateIf((request: FetchRequest) => request.context !== '*')
  @Matches(NAME_PATTERN, { message: 'context must be a context name or *' })
  context?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @Matches(NAME_PATTERN, { each: true, message: 'eventNames must be event names' })
  eventNames?: string[];

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;

  @IsOptional()
  @IsInt()
  @Min(1024)
  @Max(MAX_REPLY_BYTES)
  maxBytes?: number;

  /** When nothing is newer, hold the request up to this long for a new event (milliseconds). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  waitMs?: number;
}

export class FetchResponse {
  events: StoredEvent[];
  /** Cursor to send as `after` next time (unchanged when no event was returned). */
  cursor: string;
}

export class HeadRequest {
  @IsOptional()
  @ValidateIf((request: HeadRequest) => request.context !== '*')
  @Matches(NAME_PATTERN, { message: 'context must be a context name or *' })
  context?: string;
}

export class HeadResponse {
  /** Cursor of the newest readable event ('' when there is none). */
  cursor: string;
  position: string;
}

export const ORDERING_MODES = ['CPES', 'APES'] as const;
export type OrderingMode = (typeof ORDERING_MODES)[number];

export class ModeCheck {
  @IsIn(ORDERING_MODES)
  mode: OrderingMode;
}
