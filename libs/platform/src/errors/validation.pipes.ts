import { ValidationPipe } from '@nestjs/common';
import { validationFailed } from './to-error-body';

/** The options every boundary validates with: undeclared properties stripped, errors typed. */
export function strictValidationOptions() {
  return {
    whitelist: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationFailed,
  };
}

/** HTTP bodies, queries and params: class-validator rules, typed error on failure. */
export class HttpValidationPipe extends ValidationPipe {
  constructor() {
    super(strictValidationOptions());
  }
}
