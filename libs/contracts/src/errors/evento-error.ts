import { type ErrorCode, isErrorCode } from './error-codes';

/** The error body every app sends: on NATS inside `{ "error": … }`, on HTTP as the response body. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** Set on INTERNAL errors: the id under which the details were logged. */
  errorId?: string;
}

/**
 * A failure with a protocol error code. Domain code throws it; the edges turn it into an
 * error reply (NATS) or a status code (HTTP); clients get it back from the contracts client.
 */
export class EventoError extends Error {
  override readonly name = 'EventoError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly errorId?: string,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    if (this.errorId !== undefined) body.errorId = this.errorId;
    return body;
  }

  static fromBody(body: ErrorBody): EventoError {
    return new EventoError(body.code, body.message, body.details, body.errorId);
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return isErrorCode(candidate.code) && typeof candidate.message === 'string';
}
