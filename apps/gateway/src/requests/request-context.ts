import { ErrorCode, EVENT_ID_PATTERN, EventoError, Headers } from '@evento/contracts';
import { randomUUID } from 'node:crypto';

/** Request ids become event ids (`<id>` plus a suffix), so they follow the event id rules. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** What every request carries through the gateway: its ids and its absolute deadline. */
export class RequestContext {
  constructor(
    readonly requestId: string,
    readonly correlationId: string,
    /** Milliseconds since the epoch. */
    readonly deadline: number,
    /** False when the caller sent no request id: there is nothing to deduplicate against. */
    readonly callerRequestId: boolean,
  ) {}

  remaining(now = Date.now()): number {
    return this.deadline - now;
  }

  /**
   * Options for a call made on the request's behalf: the caller's ids and the caller's
   * deadline, unchanged, so downstream work gets the remaining time and never a fresh one.
   */
  downstream(what: string): { deadline: number; requestId: string; correlationId: string } {
    this.ensureTime(what);
    return { deadline: this.deadline, requestId: this.requestId, correlationId: this.correlationId };
  }

  /** Throws DEADLINE_EXCEEDED once the deadline has passed. */
  ensureTime(what: string): number {
    const left = this.remaining();
    if (left <= 0) throw deadlineExceeded(what);
    return left;
  }

  /**
   * Waits for `work` until the deadline at most, then throws DEADLINE_EXCEEDED (`what` says
   * where). The work itself goes on: whoever started it cleans up after it.
   */
  async bound<T>(work: Promise<T>, what: string): Promise<T> {
    const left = this.ensureTime(what);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(deadlineExceeded(what)), left);
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function deadlineExceeded(what: string): EventoError {
  return new EventoError(ErrorCode.DEADLINE_EXCEEDED, `The request's deadline passed ${what}`);
}

export interface DeadlinePolicy {
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
}

/**
 * Reads the protocol headers (from NATS or HTTP). Missing ids are made up; a malformed one is
 * refused, since a request id that cannot become an event id would break deduplication.
 */
export function requestContextFrom(
  get: (name: string) => string | undefined,
  policy: DeadlinePolicy,
  now = Date.now(),
): RequestContext {
  const requestId = get(Headers.requestId)?.trim();
  if (requestId !== undefined && requestId !== '' && !REQUEST_ID_PATTERN.test(requestId)) {
    throw new EventoError(ErrorCode.VALIDATION_FAILED, `${Headers.requestId} must be 1-100 of A-Z a-z 0-9 . _ : -`);
  }
  const correlationId = get(Headers.correlationId)?.trim();
  if (correlationId !== undefined && correlationId !== '' && !CORRELATION_ID_PATTERN.test(correlationId)) {
    throw new EventoError(ErrorCode.VALIDATION_FAILED, `${Headers.correlationId} must be 1-128 of A-Z a-z 0-9 . _ : -`);
  }
  const deadlineHeader = get(Headers.deadline)?.trim();
  let deadline = now + policy.defaultTimeoutMs;
  if (deadlineHeader !== undefined && deadlineHeader !== '') {
    if (!/^\d{1,15}$/.test(deadlineHeader)) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, `${Headers.deadline} must be milliseconds since the epoch`);
    }
    deadline = Math.min(Number(deadlineHeader), now + policy.maxTimeoutMs);
  }
  const id = requestId || randomUUID();
  return new RequestContext(id, correlationId || id, deadline, Boolean(requestId));
}

/** The id of the event a request stores: a retry of the request finds it instead of storing twice. */
export function eventIdFor(requestId: string): string {
  const id = `req:${requestId}`;
  if (!EVENT_ID_PATTERN.test(id)) throw new Error(`Request id ${requestId} cannot become an event id`);
  return id;
}
