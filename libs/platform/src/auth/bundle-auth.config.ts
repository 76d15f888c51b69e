import { IsString, Matches, ValidateIf } from 'class-validator';
import { BaseConfig } from '../config/base.config';
import { BUNDLE_TOKENS_PATTERN } from './bundle-tokens';

/** Settings of the apps that bundles talk to and that must know who they are (registry, gateway). */
export class BundleAuthConfig extends BaseConfig {
  /**
   * Secret every bundle may present (unless BUNDLE_TOKENS has its own entry). In production one
   * of the two is required: bundles always authenticate there.
   */
  @ValidateIf(
    (config: BundleAuthConfig) =>
      config.BUNDLE_TOKEN !== undefined || (config.NODE_ENV === 'production' && config.BUNDLE_TOKENS === undefined),
  )
  @IsString({ message: 'BUNDLE_TOKEN or BUNDLE_TOKENS is required when NODE_ENV=production' })
  @Matches(/^\S{16,512}$/, { message: 'BUNDLE_TOKEN must be 16-512 characters without spaces' })
  BUNDLE_TOKEN?: string;

  /** Secret per bundle: `bundleA=token1,bundleB=token2`. */
  @ValidateIf((config: BundleAuthConfig) => config.BUNDLE_TOKENS !== undefined)
  @Matches(BUNDLE_TOKENS_PATTERN, {
    message: 'BUNDLE_TOKENS must be bundleId=token pairs separated by commas, each token 16-512 characters',
  })
  BUNDLE_TOKENS?: string;
}
