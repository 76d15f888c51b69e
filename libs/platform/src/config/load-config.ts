import { compileValidator, EventoError, type FieldProblem } from '@evento/contracts';
import { getMetadataStorage } from 'class-validator';
import type { BaseConfig } from './base.config';

export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function describe(problems: FieldProblem[]): string[] {
  return problems.flatMap((problem) =>
    Object.values(problem.constraints).map((text) =>
      text.startsWith(problem.property) ? text : `${problem.property}: ${text}`,
    ),
  );
}

/**
 * Reads an app's configuration from the environment (the only place that does),
 * applies the class defaults and validates it with the suite's validation engine, strings
 * coerced to the types the rules ask for. An empty variable counts as unset; a boolean also
 * reads yes/no, on/off, 1/0. Every problem is listed at once, and values are never echoed
 * back, so a mistyped secret does not end up in a log.
 */
export function loadConfig<T extends BaseConfig>(
  configClass: new () => T,
  overrides: Record<string, string | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): T {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(configClass, '', true, false);
  const known = new Set(metadatas.map((meta) => meta.propertyName));
  const booleans = new Set(metadatas.filter((meta) => meta.name === 'isBoolean').map((meta) => meta.propertyName));
  // This load's own initialisers (not the engine's defaults, read once per class): some differ
  // per instance, e.g. INSTANCE_ID, and several apps may load their configuration in one process.
  const config = new configClass();
  const raw: Record<string, unknown> = { ...(config as object) };
  for (const [key, value] of Object.entries({ ...env, ...overrides })) {
    if (value === undefined || value.trim() === '' || !known.has(key)) continue;
    raw[key] = booleans.has(key) ? booleanWord(value) : value;
  }
  try {
    return Object.assign(config, compileValidator(configClass, { coerce: true })(raw));
  } catch (error) {
    if (error instanceof EventoError && Array.isArray(error.details)) {
      throw new ConfigValidationError(describe(error.details as FieldProblem[]));
    }
    throw error;
  }
}

function booleanWord(value: string): string {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return 'true';
  if (FALSE_WORDS.has(word)) return 'false';
  return value;
}
