import { BundleAuthConfig } from '@evento/platform';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Environment of the gateway app; see docs/configuration.md. */
export class GatewayConfig extends BundleAuthConfig {
  override HTTP_PORT = 3000;

  /** Deadline of a request that carries none (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  GATEWAY_DEFAULT_TIMEOUT_MS = 30_000;

  /** Longest deadline a caller may ask for; later deadlines are cut to this. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  GATEWAY_MAX_TIMEOUT_MS = 300_000;

  /** Check command, query and published event bodies against their registered JSON Schemas. */
  @IsBoolean()
  GATEWAY_VALIDATE_PAYLOADS = false;

  /** How many times a domain command is retried after a version conflict (within its deadline). */
  @IsInt()
  @Min(0)
  @Max(10_000)
  GATEWAY_CONFLICT_RETRIES = 100;

  /** Answers kept for retried request ids. */
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  GATEWAY_DEDUP_ENTRIES = 10_000;

  /** How long answers to request ids are kept, in memory and in the service request records. */
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  GATEWAY_DEDUP_TTL_MS = 300_000;

  /**
   * Lease of a running service command's record, renewed while it runs: a retry on another
   * gateway waits for the answer while the lease is live, and runs the command once a dead
   * gateway's lease has run out.
   */
  @IsInt()
  @Min(500)
  @Max(600_000)
  GATEWAY_DEDUP_LEASE_MS = 10_000;

  /**
   * Requests that may wait behind the running one for one aggregate (domain commands) or one
   * lock id (service commands) on this gateway; past it a request is refused with OVERLOADED.
   */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  GATEWAY_MAX_QUEUED_PER_KEY = 1_000;

  /** Reload the routing table this often even without change notifications. */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  GATEWAY_ROUTING_REFRESH_MS = 30_000;

  /** Relay handler stack traces to callers. Defaults to true in development only. */
  @IsOptional()
  @IsBoolean()
  GATEWAY_EXPOSE_STACKS?: boolean;

  /** Send per-request timing samples to the telemetry app. */
  @IsBoolean()
  GATEWAY_TELEMETRY = true;

  @IsInt()
  @Min(100)
  @Max(600_000)
  GATEWAY_TELEMETRY_FLUSH_MS = 2_000;

  get exposeStacks(): boolean {
    return this.GATEWAY_EXPOSE_STACKS ?? this.NODE_ENV === 'development';
  }
}
