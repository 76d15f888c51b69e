import { BaseConfig, emptyToUndefined, toInt } from '@evento/platform';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { BUNDLE_TOKENS_PATTERN } from '../instances/bundle-tokens';

/** Environment of the registry app; see the configuration table in the README. */
export class RegistryConfig extends BaseConfig {
  override HTTP_PORT = 3002;

  /** Secret every bundle may present in its hello (unless BUNDLE_TOKENS has its own entry). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^\S{16,512}$/, { message: 'BUNDLE_TOKEN must be 16-512 characters without spaces' })
  BUNDLE_TOKEN?: string;

  /** Secret per bundle: `bundleA=token1,bundleB=token2`. */
  @Transform(emptyToUndefined)
  @ValidateIf((config: RegistryConfig) => config.BUNDLE_TOKENS !== undefined)
  @Matches(BUNDLE_TOKENS_PATTERN, {
    message: 'BUNDLE_TOKENS must be bundleId=token pairs separated by commas, each token 16-512 characters',
  })
  BUNDLE_TOKENS?: string;

  /** How often instances are told to beat (milliseconds). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  HEARTBEAT_INTERVAL_MS = 1_000;

  /** An instance without a heartbeat for this long leaves routing (milliseconds). */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  @Max(600_000)
  INSTANCE_LEASE_MS = 5_000;

  /** How often each replica looks for expired leases (milliseconds). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  LEASE_SWEEP_MS = 1_000;
}
