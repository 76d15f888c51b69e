import { MAX_VERSION } from '@evento/contracts';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

export class StoryQueryDto {
  /** Replay every event instead of starting from the snapshot. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  ignoreSnapshot?: boolean;

  /** For the next page: the version of the last event already received. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  afterVersion?: number;
}
