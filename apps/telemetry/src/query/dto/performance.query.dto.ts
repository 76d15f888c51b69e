import { BUNDLE_ID_PATTERN, GATEWAY_WORK_KINDS, INSTANCE_ID_PATTERN, NAME_PATTERN } from '@evento/contracts';
import { IsDateString, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

const NAME = '1-200 printable characters without spaces';

/**
 * A time interval: ISO 8601 instants, `from` included, `to` excluded (at most 31 days). `to`
 * defaults to now and `from` to 15 minutes before `to`.
 */
export class IntervalQueryDto {
  @IsOptional()
  @IsDateString()
  from?: string;

  @IsOptional()
  @IsDateString()
  to?: string;
}

export class SeriesQueryDto extends IntervalQueryDto {
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId: string;

  @Matches(NAME_PATTERN, { message: `component must be ${NAME}` })
  component: string;

  /** Only this handler (else the whole component). */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `handler must be ${NAME}` })
  handler?: string;

  /** Only this payload. */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `payload must be ${NAME}` })
  payload?: string;

  /** Width of one point in seconds: a multiple of the rollup bucket (TELEMETRY_BUCKET_SECONDS). Default: one bucket. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  stepSeconds?: number;
}

export class CommandsQueryDto extends IntervalQueryDto {
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `payload must be ${NAME}` })
  payload?: string;

  @IsOptional()
  @IsIn(GATEWAY_WORK_KINDS)
  kind?: (typeof GATEWAY_WORK_KINDS)[number];
}

export class ResourcesQueryDto extends IntervalQueryDto {
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId?: string;

  @IsOptional()
  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be an instance id' })
  instanceId?: string;
}

export class DashboardQueryDto extends IntervalQueryDto {
  /** Entries per list (default 10). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class FlowsQueryDto {
  /** How far back invocation counts and measured handlers are read (minutes, default 60). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_080)
  windowMinutes?: number;
}
