import { BundleAuthConfig } from '@evento/platform';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the registry app; see docs/configuration.md. */
export class RegistryConfig extends BundleAuthConfig {
  override HTTP_PORT = 3002;

  /** How often instances are told to beat (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(60_000)
  HEARTBEAT_INTERVAL_MS = 1_000;

  /** An instance without a heartbeat for this long leaves routing (milliseconds). */
  @IsInt()
  @Min(200)
  @Max(600_000)
  INSTANCE_LEASE_MS = 5_000;

  /** How often each replica looks for expired leases (milliseconds). */
  @IsInt()
  @Min(50)
  @Max(60_000)
  LEASE_SWEEP_MS = 1_000;

  /** How long an instance may take to answer a consumer admin request relayed by the registry (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(120_000)
  CONSUMER_ADMIN_TIMEOUT_MS = 5_000;

  /** Largest descriptor sent in parts, as UTF-8 JSON (bytes). */
  @IsInt()
  @Min(1024 * 1024)
  @Max(64 * 1024 * 1024)
  DESCRIPTOR_MAX_BYTES = 8 * 1024 * 1024;

  /** A descriptor upload whose parts are not all in within this time is discarded (milliseconds). */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  DESCRIPTOR_UPLOAD_TIMEOUT_MS = 60_000;
}
