import { type ClassOf, ErrorCode, EventoError } from '@evento/contracts';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';

/** Bundles are outside the server: their replies are checked like any other input. */
export async function validateReply<T extends object>(cls: ClassOf<T>, value: unknown, from: string): Promise<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidReply(from, ['the reply data must be a JSON object']);
  }
  const instance = plainToInstance(cls as new () => T, value);
  const errors = await validate(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw invalidReply(from, flatten(errors));
  return instance;
}

function invalidReply(from: string, problems: string[]): EventoError {
  return new EventoError(ErrorCode.HANDLER_FAILED, `${from} sent a reply that breaks the protocol`, {
    errorName: 'InvalidReply',
    problems: problems.slice(0, 20),
  });
}

function flatten(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => {
    const where = path ? `${path}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${where}: ${message}`);
    return [...own, ...flatten(error.children ?? [], where)];
  });
}
