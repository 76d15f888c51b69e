import { type ClassOf, compileValidator, type Validator } from '@evento/contracts';

/** Validates a parsed body against a contract class; returns it typed or throws VALIDATION_FAILED. */
export type ContractValidator<T> = Validator<T>;

/**
 * The validator of a contract class: the suite's one validation engine (`compileValidator` of
 * `@evento/contracts`), compiled once per class. Accepted bodies come back as plain objects,
 * undeclared properties removed and defaults filled in.
 */
export function compileContractValidator<T extends object>(type: ClassOf<T>): ContractValidator<T> {
  return compileValidator(type);
}
