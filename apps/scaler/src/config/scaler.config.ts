import { BundleAuthConfig, parseBundleTokens } from '@evento/platform';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/**
 * Environment of the scaler app; see docs/configuration.md. BUNDLE_TOKEN and
 * BUNDLE_TOKENS (from BundleAuthConfig) are the credentials handed to deploy scripts.
 */
export class ScalerConfig extends BundleAuthConfig {
  override HTTP_PORT = 3004;

  /** How often the active scaler looks at every enabled policy (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(60_000)
  SCALER_TICK_MS = 1_000;

  /** How often a standby tries to become the active scaler (milliseconds): the failover time. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  SCALER_LEADER_POLL_MS = 1_000;

  /** How long a suffering or bored signal counts (milliseconds). */
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  SCALER_SIGNAL_WINDOW_MS = 15_000;

  /**
   * Directory of the deploy scripts policies may name; a policy names a file in it, never a
   * path of its own. Unset: the `script` actuator is refused.
   */
  @IsOptional()
  @IsString()
  @Matches(/^\//, { message: 'DEPLOY_SCRIPT_DIR must be an absolute path' })
  DEPLOY_SCRIPT_DIR?: string;

  /** A deploy script that runs longer is killed and its start counts as failed (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  DEPLOY_SCRIPT_TIMEOUT_MS = 30_000;

  /**
   * Lifetime of the short-lived token a deploy script gets instead of the bundle's static token
   * (milliseconds). Instances say hello and call the gateway with it, so it must outlive them.
   */
  @IsInt()
  @Min(10_000)
  @Max(2_592_000_000)
  DEPLOY_SCRIPT_TOKEN_TTL_MS = 86_400_000;

  /** Bytes of a deploy script's stdout and stderr kept in the decision log. */
  @IsInt()
  @Min(0)
  @Max(1_048_576)
  DEPLOY_SCRIPT_OUTPUT_BYTES = 16_384;

  /** First back-off after a failed actuator call; it doubles per failure in a row (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  ACTUATOR_RETRY_BASE_MS = 2_000;

  /** Longest back-off between actuator attempts (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  ACTUATOR_RETRY_MAX_MS = 300_000;

  /** Timeout of each Kubernetes API call (milliseconds). */
  @IsInt()
  @Min(100)
  @Max(120_000)
  KUBERNETES_TIMEOUT_MS = 10_000;

  /**
   * Kubeconfig file for the `kubernetes` actuator. Unset: the pod's service account when running
   * in a cluster, else the usual kubeconfig lookup.
   */
  @IsOptional()
  @IsString()
  KUBECONFIG?: string;

  /** The token a bundle's instances present, if any is configured. */
  bundleToken(bundleId: string): string | undefined {
    const own = parseBundleTokens(this.BUNDLE_TOKENS ?? '').find(([id]) => id === bundleId);
    return own?.[1] ?? this.BUNDLE_TOKEN;
  }
}
