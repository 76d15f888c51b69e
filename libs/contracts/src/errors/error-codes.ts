/**
 * Codes carried by every error reply. They are part of the protocol: never rename one,
 * only add new ones.
 */
export const ErrorCode = {
  /** The body is not JSON, is too deep or too large, or contains forbidden characters. */
  MALFORMED_MESSAGE: 'MALFORMED_MESSAGE',
  /** The body is JSON but breaks the contract's validation rules. */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  NO_HANDLER: 'NO_HANDLER',
  NO_AVAILABLE_INSTANCE: 'NO_AVAILABLE_INSTANCE',
  HANDLER_FAILED: 'HANDLER_FAILED',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  UNSUPPORTED_PROTOCOL_VERSION: 'UNSUPPORTED_PROTOCOL_VERSION',
  /** A dependency (database, NATS, another app) cannot be reached right now; retry later. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A command, query or event body breaks the JSON Schema its bundle registered (gateway validation on). */
  SCHEMA_VALIDATION_FAILED: 'SCHEMA_VALIDATION_FAILED',
  /** The instance handling the request left (lease expired, goodbye) before answering: the outcome is unknown. */
  INSTANCE_LOST: 'INSTANCE_LOST',
  /**
   * The server refuses more work of this kind for now (e.g. too many requests already wait for
   * one aggregate); nothing was done. Retry later; `details` says what is full.
   */
  OVERLOADED: 'OVERLOADED',
  /** Anything unexpected. The reply carries an `errorId` to find the logged details. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** HTTP status for each code, used by the HTTP edges of every app. */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  MALFORMED_MESSAGE: 400,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NO_HANDLER: 404,
  NO_AVAILABLE_INSTANCE: 503,
  HANDLER_FAILED: 422,
  DEADLINE_EXCEEDED: 504,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNSUPPORTED_PROTOCOL_VERSION: 400,
  UNAVAILABLE: 503,
  SCHEMA_VALIDATION_FAILED: 400,
  INSTANCE_LOST: 503,
  OVERLOADED: 503,
  INTERNAL: 500,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
