import { CONSUMER_COMPONENT_TYPES, isPosition, MAX_VERSION, NAME_PATTERN, Nested } from '@evento/contracts';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/*
 * The rules an instance's control replies must pass before the registry relays them to an
 * operator. The shapes are the contracts' (ConsumerStatusResponse, ConsumerActionResponse);
 * unknown fields are dropped, text is bounded.
 */

const CURSOR = /^(|\d{1,20}|\d{1,20}:\d{1,20})$/;
const IsPositionString = () =>
  ValidateBy({
    name: 'isPosition',
    validator: { validate: isPosition, defaultMessage: () => '$property must be an event position' },
  });

export class DeadEventReply {
  @IsPositionString()
  position: string;

  @IsString()
  @MaxLength(200)
  eventId: string;

  @Matches(NAME_PATTERN)
  eventName: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  aggregateId: string | null;

  @IsString()
  @MaxLength(500)
  errorName: string;

  @IsString()
  @MaxLength(10_000)
  errorMessage: string;

  @IsInt()
  @Min(0)
  attempts: number;

  @IsString()
  @MaxLength(64)
  failedAt: string;

  @IsBoolean()
  retry: boolean;
}

export class RetryingReply {
  @IsPositionString()
  position: string;

  @IsInt()
  @Min(0)
  attempt: number;

  @IsString()
  @MaxLength(10_000)
  error: string;
}

export class ConsumerStatusReply {
  @Matches(NAME_PATTERN)
  consumerId: string;

  @Matches(NAME_PATTERN)
  componentName: string;

  @IsIn(CONSUMER_COMPONENT_TYPES)
  componentType: string;

  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  version: number;

  /** A context name, or `*` for a consumer of every context (as in its report). */
  @ValidateIf((reply: ConsumerStatusReply) => reply.context !== '*')
  @Matches(NAME_PATTERN)
  context: string;

  @IsBoolean()
  active: boolean;

  @IsBoolean()
  enabled: boolean;

  @IsString()
  @Matches(CURSOR)
  cursor: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  lag: number | null;

  @IsBoolean()
  replaying: boolean;

  @IsOptional()
  @Nested(() => RetryingReply)
  retrying: RetryingReply | null;

  /** Bounded so the relayed answer stays well inside one NATS message and one HTTP response. */
  @IsArray()
  @ArrayMaxSize(1000)
  @Nested(() => DeadEventReply, { each: true })
  deadEvents: DeadEventReply[];
}

export class ConsumerActionReply {
  @Matches(NAME_PATTERN)
  consumerId: string;

  @IsBoolean()
  done: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  message?: string;
}
