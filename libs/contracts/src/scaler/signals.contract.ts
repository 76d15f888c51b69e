import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { BUNDLE_ID_PATTERN, INSTANCE_ID_PATTERN } from '../registry/hello.contract';

/** The thread-count protocol: an instance is suffering (saturated) or bored (idle for a while). */
export const SCALING_SIGNALS = ['suffering', 'bored'] as const;
export type ScalingSignalKind = (typeof SCALING_SIGNALS)[number];

export class ScalingSignal {
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId: string;

  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be an instance id' })
  instanceId: string;

  @IsIn(SCALING_SIGNALS)
  signal: ScalingSignalKind;

  /** Work in flight when the signal was sent. */
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  inFlight: number;

  /** The instance's concurrency limit (its "threads"). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  capacity?: number;
}
