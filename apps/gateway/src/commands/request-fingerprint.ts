import { ErrorCode, EventoError } from '@evento/contracts';
import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

/** Keys sorted at every depth, so two equal payloads give one text whatever their key order. */
const canonicalJson = configure({ deterministic: true, circularValue: Error, bigint: false });

/** What makes two requests the same request: a retry must repeat all of it. */
export interface RequestIdentity {
  command: string;
  /** The aggregate the command runs on (domain commands) or is stored with (service commands). */
  aggregateId: string | null;
  lockId: string | null;
  payload: Record<string, unknown>;
}

/**
 * A digest of the request's identity. The gateway keeps it with what a request id produced (the
 * stored event's `metadata.evento.fingerprint`, the service request record, its own cache), so a
 * retry on any gateway can tell the same request from another one that reuses its id.
 */
export function fingerprintOf(identity: RequestIdentity): string {
  const text = canonicalJson([identity.command, identity.aggregateId, identity.lockId, identity.payload]);
  return createHash('sha256')
    .update(text ?? '')
    .digest('hex');
}

/** The answer to a request id reused for a different request: nothing runs, nothing is replayed. */
export function requestIdReused(requestId: string): EventoError {
  return new EventoError(
    ErrorCode.CONFLICT,
    `Request id ${requestId} was used for another request (another command, aggregate, lock id or payload): ` +
      'send a new request id for a new request',
    { reason: 'request-id-reused', requestId },
  );
}

/** The fingerprint a stored event carries; undefined for events stored before fingerprints existed. */
export function fingerprintIn(metadata: Record<string, unknown> | null | undefined): string | undefined {
  const evento = metadata?.evento;
  if (typeof evento !== 'object' || evento === null) return undefined;
  const fingerprint = (evento as Record<string, unknown>).fingerprint;
  return typeof fingerprint === 'string' ? fingerprint : undefined;
}
