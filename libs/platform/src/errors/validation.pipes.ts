import { type ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { UnreadableBody } from '../nats/evento-nats.server';
import { notAnObject, validationFailed } from './to-error-body';

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object];

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

/**
 * NATS bodies: unreadable bodies answer with their own error, bodies that are not objects
 * are refused, then the contract class's rules apply.
 */
@Injectable()
export class RpcValidationPipe extends ValidationPipe {
  constructor() {
    super(strictValidationOptions());
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (value instanceof UnreadableBody) throw value.error;
    const expectsObject = metadata.metatype !== undefined && !PRIMITIVES.includes(metadata.metatype);
    if (expectsObject && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw notAnObject();
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}
