import { ErrorCode, type ErrorBody, EventoError } from '@evento/contracts';

export { EventoError, ErrorCode };

/** A command for an aggregate that does not exist yet, to a handler that does not create it. */
export class AggregateNotInitializedError extends Error {
  override readonly name = 'AggregateNotInitializedError';
  constructor(readonly aggregateId: string) {
    super(`Aggregate ${aggregateId} does not exist`);
  }
}

/** A creating command for an aggregate that already exists. */
export class AggregateInitializedError extends Error {
  override readonly name = 'AggregateInitializedError';
  constructor(readonly aggregateId: string) {
    super(`Aggregate ${aggregateId} already exists`);
  }
}

/** A command for an aggregate that was deleted: it refuses every command. */
export class AggregateDeletedError extends Error {
  override readonly name = 'AggregateDeletedError';
  constructor(readonly aggregateId: string) {
    super(`Aggregate ${aggregateId} was deleted`);
  }
}

/**
 * Thrown by a consumer handler for a failure that will pass (a dependency down): the event is
 * retried with back-off for as long as it takes, never sent to the dead-event queue.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/**
 * A remote handler threw (HANDLER_FAILED): `errorName` is its error's class name, e.g.
 * `AggregateDeletedError`, so callers can tell domain refusals apart.
 */
export class RemoteHandlerError extends EventoError {
  readonly errorName: string;
  constructor(body: ErrorBody) {
    super(body.code, body.message, body.details, body.errorId);
    const details = body.details as { errorName?: unknown } | undefined;
    this.errorName = typeof details?.errorName === 'string' ? details.errorName : 'Error';
  }
}

/** The typed exception of an error reply: RemoteHandlerError for HANDLER_FAILED, else EventoError. */
export function errorFromBody(body: ErrorBody): EventoError {
  return body.code === ErrorCode.HANDLER_FAILED ? new RemoteHandlerError(body) : EventoError.fromBody(body);
}

/** Failures that say nothing about the event itself: retry, do not dead-letter. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof EventoError) {
    return error.code === ErrorCode.UNAVAILABLE || error.code === ErrorCode.DEADLINE_EXCEEDED;
  }
  const code = (error as { code?: unknown } | null)?.code;
  // Postgres: connection (08), resources (53), operator intervention (57P), serialization
  // failure and deadlock (40001, 40P01); sockets that went away.
  if (typeof code === 'string' && /^(08|53|57P|40001|40P01|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)/.test(code)) {
    return true;
  }
  // node-postgres reports a lost connection without a code.
  return (
    error instanceof Error &&
    /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      error.message,
    )
  );
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name || error.constructor.name : 'Error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
