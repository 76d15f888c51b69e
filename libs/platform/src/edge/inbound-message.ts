import { ErrorCode, EventoError, Headers } from '@evento/contracts';
import type { Msg } from '@nats-io/transport-node';

const DEADLINE_PATTERN = /^\d{1,15}$/;

/**
 * What a handler knows about the message besides its body: the subject it came on, the
 * protocol headers, and the caller's deadline. Headers are read only when asked for.
 */
export class InboundMessage {
  /** Milliseconds since the epoch, from `evento-deadline`; undefined when the caller sent none. */
  readonly deadline: number | undefined;
  private abort?: AbortSignal;

  constructor(
    /** The contract's subject, without NATS_SUBJECT_PREFIX. */
    readonly subject: string,
    private readonly msg: Msg,
  ) {
    this.deadline = readDeadline(this.header(Headers.deadline));
  }

  /** Size of the body as it came (bytes). */
  get bytes(): number {
    return this.msg.data.length;
  }

  header(name: string): string | undefined {
    const headers = this.msg.headers;
    if (!headers?.has(name)) return undefined;
    return headers.get(name);
  }

  get requestId(): string | undefined {
    return this.header(Headers.requestId);
  }

  get correlationId(): string | undefined {
    return this.header(Headers.correlationId);
  }

  /** Milliseconds left before the caller's deadline (Infinity without one). */
  remainingMs(now = Date.now()): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : this.deadline - now;
  }

  /** True once the caller's deadline has passed: nobody waits for the answer any more. */
  expired(now = Date.now()): boolean {
    return this.remainingMs(now) <= 0;
  }

  /** Aborts when the caller's deadline passes, so a handler's waits end with it. */
  get signal(): AbortSignal {
    if (!this.abort) {
      const left = this.remainingMs();
      this.abort = Number.isFinite(left) ? AbortSignal.timeout(Math.max(0, left)) : new AbortController().signal;
    }
    return this.abort;
  }
}

function readDeadline(header: string | undefined): number | undefined {
  const value = header?.trim();
  if (value === undefined || value === '') return undefined;
  if (!DEADLINE_PATTERN.test(value)) {
    throw new EventoError(ErrorCode.VALIDATION_FAILED, `${Headers.deadline} must be milliseconds since the epoch`);
  }
  return Number(value);
}
