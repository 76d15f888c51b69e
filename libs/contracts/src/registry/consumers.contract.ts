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
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_VERSION, NAME_PATTERN } from '../event-store/events.contract';
import { SessionRequest } from './instances.contract';
import { Nested } from '../validation/nested.decorator';

export const CONSUMER_COMPONENT_TYPES = ['projector', 'saga', 'observer'] as const;
export type ConsumerComponentType = (typeof CONSUMER_COMPONENT_TYPES)[number];

/** One consumer (projector, saga or observer) as an instance runs it. */
export class ConsumerReport {
  /** Stable across instances of the bundle: `<bundle>_<component>_<version>_<context>` by convention. */
  @Matches(NAME_PATTERN, { message: 'consumerId must be 1-200 printable characters without spaces' })
  consumerId: string;

  @Matches(NAME_PATTERN, { message: 'componentName must be 1-200 printable characters without spaces' })
  componentName: string;

  @IsIn(CONSUMER_COMPONENT_TYPES)
  componentType: ConsumerComponentType;

  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  version: number;

  /** A context name, or `*` for a consumer of every context (as in the event store's fetch). */
  @ValidateIf((report: ConsumerReport) => report.context !== '*')
  @Matches(NAME_PATTERN, { message: 'context must be a context name or *' })
  context: string;

  /** This instance holds the consumer's lock (exactly one instance per consumer does). */
  @IsBoolean()
  active: boolean;

  @IsOptional()
  @IsString()
  @Matches(/^(|\d{1,20}|\d{1,20}:\d{1,20})$/, { message: 'cursor must be a cursor of the event store' })
  cursor?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  lag?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  deadEvents?: number;
}

/** Sent after discovery and whenever a consumer's state changes (e.g. it became active). */
export class ReportConsumersRequest extends SessionRequest {
  @IsArray()
  @ArrayMaxSize(1000)
  @Nested(() => ConsumerReport, { each: true })
  consumers: ConsumerReport[];
}

export class ReportConsumersResponse {
  accepted: number;
}
