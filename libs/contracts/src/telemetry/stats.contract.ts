import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { NAME_PATTERN } from '../event-store/events.contract';
import { BUNDLE_ID_PATTERN } from '../registry/hello.contract';

/** Recent figures of one bundle (optionally one component), for the scaler's telemetry rules. */
export class BundleStatsRequest {
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId: string;

  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'component must be 1-200 printable characters without spaces' })
  component?: string;

  /** How far back to look (milliseconds, 1 s to 1 h); read at the rollup bucket's granularity. */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  windowMs: number;
}

export class BundleStatsResult {
  bundleId: string;
  windowMs: number;
  /** Handler executions measured in the window. */
  count: number;
  /** p95 handler service time from the merged histograms; null without executions. */
  p95ServiceTimeMs: number | null;
  /** Highest consumer lag any instance of the bundle reported in the window; null without reports. */
  maxConsumerLag: number | null;
}
