import { type ErrorBody, ErrorCode, EventoError, type ErrorCode as Code } from '@evento/contracts';
import { HttpException, type Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

const CODE_BY_HTTP_STATUS: Record<number, Code> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  503: ErrorCode.UNAVAILABLE,
  504: ErrorCode.DEADLINE_EXCEEDED,
};

/**
 * Turns anything thrown into the protocol's error body. Known errors keep their code and
 * message; unknown ones are logged with their stack under a fresh id, and only the id leaves.
 */
export function toErrorBody(exception: unknown, logger: Pick<Logger, 'error'>): ErrorBody {
  if (exception instanceof EventoError) return exception.toBody();
  if (exception instanceof HttpException) {
    const code = CODE_BY_HTTP_STATUS[exception.getStatus()];
    if (code) return { code, message: exception.message };
  }
  const errorId = randomUUID();
  const error = exception instanceof Error ? exception : new Error(String(exception));
  logger.error({ err: error, errorId }, `Unexpected error ${errorId}: ${error.message}`);
  return { code: ErrorCode.INTERNAL, message: 'Internal error', errorId };
}

/** Refuses a body that is not a JSON object where a contract class is expected. */
export function notAnObject(): EventoError {
  return new EventoError(ErrorCode.VALIDATION_FAILED, 'The body must be a JSON object');
}
