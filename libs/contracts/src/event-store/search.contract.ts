import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { NAME_PATTERN, type StoredEvent } from './events.contract';

const POSITION = /^\d{1,19}$/;

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
  @Matches(POSITION, { message: 'fromPosition must be a position' })
  fromPosition?: string;

  @IsOptional()
  @Matches(POSITION, { message: 'toPosition must be a position' })
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
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
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
