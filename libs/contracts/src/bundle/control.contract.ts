import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { AsReceived, isPosition, NAME_PATTERN } from '../event-store/events.contract';
import { BUNDLE_ID_PATTERN } from '../registry/hello.contract';

/*
 * Messages the server sends to one instance on its control subject
 * (`evento.v1.bundle.<bundleId>.<instanceId>.control`). Requests expect the usual reply
 * envelope; `configuration` is published without a reply subject.
 */

export const CONTROL_TYPES = [
  'drain',
  'configuration',
  'consumer-status',
  'consumer-set-retry',
  'consumer-delete-dead',
  'consumer-replay-dead',
  'consumer-reset',
] as const;
export type ControlType = (typeof CONTROL_TYPES)[number];

/** Stop taking work, finish what is in flight, say goodbye and exit (the scaler's scale-down). */
export class DrainRequest {
  type: 'drain';
  reason: string;
  /** How long the instance may take to finish in-flight work before it stops anyway. */
  timeoutMs: number;
}

export class DrainResponse {
  @IsBoolean()
  accepted: boolean;

  /** Requests still in flight when the drain started. */
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  inFlight: number;
}

/**
 * The bundle's configuration changed (also delivered in the welcome). Secrets included, unmasked.
 * Published without a reply subject; an instance checks it like any input before applying it.
 */
export class ConfigurationMessage {
  @IsIn(['configuration'])
  type: 'configuration';

  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId: string;

  @IsInt()
  @Min(0)
  version: number;

  @IsObject()
  @ValidateBy({
    name: 'isStringRecord',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        Object.values(value as Record<string, unknown>).every((entry) => typeof entry === 'string'),
      defaultMessage: () => 'values must map keys to strings',
    },
  })
  // Keys are the operator's, kept as sent (class-transformer would drop some names).
  @AsReceived()
  values: Record<string, string>;
}

export class ConsumerRef {
  @Matches(NAME_PATTERN, { message: 'consumerId must be 1-200 printable characters without spaces' })
  consumerId: string;
}

export class ConsumerStatusRequest extends ConsumerRef {
  type: 'consumer-status';
}

/** Flag (or unflag) one dead event for the next replay of the dead-event queue. */
export class ConsumerSetRetryRequest extends ConsumerRef {
  type: 'consumer-set-retry';

  @ValidateBy({
    name: 'isPosition',
    validator: { validate: isPosition, defaultMessage: () => 'position must be an event position' },
  })
  position: string;

  @IsBoolean()
  retry: boolean;
}

export class ConsumerDeleteDeadRequest extends ConsumerRef {
  type: 'consumer-delete-dead';

  @ValidateBy({
    name: 'isPosition',
    validator: { validate: isPosition, defaultMessage: () => 'position must be an event position' },
  })
  position: string;
}

/** Process the dead events flagged for retry, now. */
export class ConsumerReplayDeadRequest extends ConsumerRef {
  type: 'consumer-replay-dead';
}

/** Move the consumer's checkpoint (e.g. '' to rebuild a projector from the start). */
export class ConsumerResetRequest extends ConsumerRef {
  type: 'consumer-reset';

  @IsString()
  @Matches(/^(|\d{1,20}|\d{1,20}:\d{1,20})$/, { message: 'cursor must be a cursor of the event store or empty' })
  cursor: string;
}

export type ControlRequest =
  | DrainRequest
  | ConsumerStatusRequest
  | ConsumerSetRetryRequest
  | ConsumerDeleteDeadRequest
  | ConsumerReplayDeadRequest
  | ConsumerResetRequest;

export class DeadEventView {
  position: string;
  eventId: string;
  eventName: string;
  aggregateId: string | null;
  /** The error of the last attempt: name and message. */
  errorName: string;
  errorMessage: string;
  attempts: number;
  failedAt: string;
  /** Flagged to be processed again by the next replay. */
  retry: boolean;
}

export class ConsumerStatusResponse {
  consumerId: string;
  componentName: string;
  componentType: string;
  version: number;
  context: string;
  /** This instance holds the consumer's lock and is the one processing it. */
  active: boolean;
  enabled: boolean;
  cursor: string;
  /** Events behind the head of its context (null when unknown). */
  lag: number | null;
  /** A rebuild (new version or reset) is in progress. */
  replaying: boolean;
  /** Retrying an event right now: its position, attempt and last error. */
  retrying: { position: string; attempt: number; error: string } | null;
  deadEvents: DeadEventView[];
}

/** Answer to the consumer actions other than status. */
export class ConsumerActionResponse {
  consumerId: string;
  done: boolean;
  message?: string;
}

/** Rules for the operator's inputs that the registry relays (same classes, stricter numbers). */
export class DrainOptions {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  timeoutMs?: number;
}
