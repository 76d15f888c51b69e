import { ErrorCode, EventoError } from './errors';

/** Why a NATS request got no reply, as the one translator below sees it. */
export type NatsFailureReason = 'no-responders' | 'timeout' | 'permission' | 'closed' | 'disconnected';

const REASON_BY_NAME: Record<string, NatsFailureReason> = {
  NoRespondersError: 'no-responders',
  TimeoutError: 'timeout',
  PermissionViolationError: 'permission',
  AuthorizationError: 'permission',
  ClosedConnectionError: 'closed',
  DrainingConnectionError: 'closed',
};

/**
 * The reason behind a NATS client failure. The client wraps the real error in a RequestError
 * (its `cause`), so the chain is followed; messages are the fallback for errors without a name.
 */
export function natsFailureReason(error: unknown): NatsFailureReason {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const reason = REASON_BY_NAME[current.name];
    if (reason) return reason;
    current = current.cause;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/no responders/i.test(message)) return 'no-responders';
  if (/timeout/i.test(message)) return 'timeout';
  if (/permissions? violation|authorization/i.test(message)) return 'permission';
  if (/closed|draining/i.test(message)) return 'closed';
  return 'disconnected';
}

/**
 * The one translation of a failed NATS request into the protocol's errors, used by the apps'
 * client, the gateway, the registry and the SDK alike. `what` names what was asked (a subject,
 * or "query X on instance Y"); `details.reason` says which failure it was, for callers that
 * treat one differently (the gateway resends work nobody received).
 */
export function natsFailure(error: unknown, what: string, timeoutMs: number): EventoError {
  const reason = natsFailureReason(error);
  switch (reason) {
    case 'no-responders':
      return new EventoError(ErrorCode.UNAVAILABLE, `No one answers ${what}`, { reason });
    case 'timeout':
      return new EventoError(ErrorCode.DEADLINE_EXCEEDED, `No reply to ${what} within ${timeoutMs} ms`, { reason });
    case 'permission':
      return new EventoError(ErrorCode.FORBIDDEN, `This connection may not send ${what}`, { reason });
    case 'closed':
      return new EventoError(ErrorCode.UNAVAILABLE, `The NATS connection is closed; could not send ${what}`, {
        reason,
      });
    case 'disconnected':
      return new EventoError(ErrorCode.UNAVAILABLE, `NATS is not reachable; could not send ${what}`, { reason });
  }
}
