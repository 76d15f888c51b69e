import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import type { BaseConfig } from './base.config';

export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((text) =>
      text.startsWith(error.property) ? text : `${error.property}: ${text}`,
    ),
  );
}

/**
 * Reads an app's configuration from the environment (the only place that does),
 * applies the class defaults and validates it. Values are never echoed back, so a
 * mistyped secret does not end up in a log.
 */
export function loadConfig<T extends BaseConfig>(
  configClass: new () => T,
  overrides: Record<string, string | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): T {
  const known = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(configClass, '', true, false)
      .map((meta) => meta.propertyName),
  );
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...env, ...overrides })) {
    if (value !== undefined && known.has(key)) raw[key] = value;
  }
  const config = plainToInstance(configClass, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigValidationError(describe(errors));
  return config;
}
