import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

/** Keys are environment-variable-like names, so every bundle runtime can map them. */
export const CONFIGURATION_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
/**
 * Keys every protocol parser refuses in a message (prototype pollution): a configuration holding
 * one could never be delivered to the bundle, so they are refused as keys.
 */
export const RESERVED_CONFIGURATION_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const ConfigurationLimits = {
  valueLength: 16 * 1024,
  keysPerBundle: 200,
  /** The bundle's values as JSON; they travel whole in the welcome and each change. */
  bytesPerBundle: 256 * 1024,
} as const;

/** What every HTTP response shows instead of a secret value. */
export const MASKED = '********';

export class SetConfigurationValueDto {
  @IsString()
  @MaxLength(ConfigurationLimits.valueLength)
  value: string;

  /** Masked in every response and never logged. Omitted: the key keeps its current flag (false when new). */
  @IsOptional()
  @IsBoolean()
  secret?: boolean;
}

export class ConfigurationEntryDto {
  key: string;
  /** `********` when secret. */
  value: string;
  secret: boolean;
  updatedAt: string;
}

export class BundleConfigurationDto {
  bundleId: string;
  /** 0 when nothing was ever set; grows with every change. */
  version: number;
  entries: ConfigurationEntryDto[];
}

export class ConfigurationChangeDto {
  bundleId: string;
  version: number;
  entry: ConfigurationEntryDto;
  /** Live instances the new configuration was published to. */
  deliveredTo: string[];
}
