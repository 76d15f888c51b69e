import {
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { isPosition, NAME_PATTERN, type StoredEvent } from './events.contract';

/** A position the log can hold (a decimal string up to 2^63 - 1). */
const IsPosition = (options: ValidationOptions) =>
  ValidateBy({ name: 'isPosition', validator: { validate: (value: unknown) => isPosition(value) } }, options);

export class SearchEventsRequest {
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'aggregateId must be an aggregate id' })
  aggregateId?: string;

  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'eventName must be an event name' })
  eventName?: string;

  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'context must be a context name' })
  context?: string;

  @IsOptional()
  @IsPosition({ message: 'fromPosition must be a position' })
  fromPosition?: string;

  @IsOptional()
  @IsPosition({ message: 'toPosition must be a position' })
  toPosition?: string;

  /** ISO 8601 time: events created at or after it. */
  @IsOptional()
  @IsDateString()
  from?: string;

  /** ISO 8601 time: events created before it. */
  @IsOptional()
  @IsDateString()
  to?: string;

  /** Case-insensitive text that must appear in the payload's JSON. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  text?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize?: number;

  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class SearchEventsResponse {
  items: StoredEvent[];
  page: number;
  pageSize: number;
  total: number;
  /** True when the page was cut short to stay under the reply size limit. */
  truncated: boolean;
}
