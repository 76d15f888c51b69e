import { MAX_VERSION } from '@evento/contracts';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

export class StoryQueryDto {
  /** Replay every event instead of starting from the snapshot. */
  @IsOptional()
  @IsBoolean()
  ignoreSnapshot?: boolean;

  /** For the next page: the version of the last event already received. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  afterVersion?: number;
}
