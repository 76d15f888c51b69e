import { ErrorCode, type ErrorBody, EventoError, isErrorBody } from './errors';
import { parseRequestBody } from './wire';

/** A bundle's error message is relayed, but never a huge one. */
const MAX_MESSAGE = 2_000;
/** Details beyond this (as JSON) are dropped rather than relayed. */
const MAX_DETAILS_BYTES = 16 * 1024;

export interface ReplyReading<T> {
  /** Who answered, for messages: "event-store", "Bundle b instance i". */
  from: string;
  /** Checks the data, e.g. the response class through the validation engine. */
  validate?: (data: unknown) => T;
  /**
   * The replier is outside the suite (a bundle instance): its reply is hostile input, parsed
   * under the protocol's limits, its error bounded, and a broken reply is the bundle's failure
   * (HANDLER_FAILED, `errorName: "InvalidReply"`) rather than the server's (INTERNAL).
   */
  untrusted?: boolean;
}

/** An error reply, as the replier sent it (bounded when the replier is untrusted). */
export class RelayedError extends EventoError {}

/**
 * The one reader of reply envelopes, `{ "data": … }` or `{ "error": { code, message, details? } }`,
 * for the apps, the platform's client and the SDK alike. Returns the data; throws a
 * RelayedError for an error reply, and a typed error for anything that is not a reply.
 */
export function readReply<T = unknown>(bytes: Uint8Array, reading: ReplyReading<T>): T {
  let envelope: unknown;
  try {
    envelope = reading.untrusted ? parseRequestBody(bytes) : JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw broken(reading, 'an unreadable reply', [error instanceof Error ? error.message : String(error)]);
  }
  if (typeof envelope === 'object' && envelope !== null && !Array.isArray(envelope)) {
    const body = envelope as Record<string, unknown>;
    if ('error' in body) throw relayed(body.error, reading);
    if ('data' in body) return dataOf(body.data, reading);
  }
  throw broken(reading, 'a reply that is not {data} or {error}');
}

function dataOf<T>(data: unknown, reading: ReplyReading<T>): T {
  if (!reading.validate) return data as T;
  try {
    return reading.validate(data);
  } catch (error) {
    const problems =
      error instanceof EventoError && Array.isArray(error.details)
        ? (error.details as Array<{ property: string; constraints: Record<string, string> }>).flatMap((problem) =>
            Object.values(problem.constraints).map((message) => `${problem.property}: ${message}`),
          )
        : [error instanceof Error ? error.message : String(error)];
    throw broken(reading, 'a reply that breaks the protocol', problems);
  }
}

function relayed(raw: unknown, reading: ReplyReading<unknown>): EventoError {
  if (!isErrorBody(raw)) return broken(reading, 'an error without a known code and a message');
  if (!reading.untrusted) return new RelayedError(raw.code, raw.message, raw.details, raw.errorId);
  const body: ErrorBody = { code: raw.code, message: raw.message.slice(0, MAX_MESSAGE) };
  if (raw.details !== undefined && JSON.stringify(raw.details).length <= MAX_DETAILS_BYTES) body.details = raw.details;
  return new RelayedError(body.code, body.message, body.details);
}

function broken(reading: ReplyReading<unknown>, what: string, problems: string[] = []): EventoError {
  const message = `${reading.from} sent ${what}`;
  if (!reading.untrusted) return new EventoError(ErrorCode.INTERNAL, message);
  return new EventoError(ErrorCode.HANDLER_FAILED, message, {
    errorName: 'InvalidReply',
    problems: problems.slice(0, 20),
  });
}
