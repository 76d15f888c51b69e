import { Matches } from 'class-validator';
import { INSTANCE_ID_PATTERN, SESSION_ID_PATTERN } from './hello.contract';

export const INSTANCE_STATUSES = ['joined', 'available', 'unavailable', 'gone'] as const;
/**
 * joined: said hello, gets no routed work yet; available: enabled, gets routed work;
 * unavailable: disabled (warming up or draining); gone: said goodbye or its lease expired.
 */
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** Every message of a session after the hello names the instance and the session. */
export class SessionRequest {
  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be 1-128 of A-Z a-z 0-9 _ -' })
  instanceId: string;

  @Matches(SESSION_ID_PATTERN, { message: 'sessionId must be the sessionId of the welcome' })
  sessionId: string;
}

export class HeartbeatRequest extends SessionRequest {}

/**
 * `ok`: the lease was renewed. `hello-again`: the registry does not know this session (it was
 * superseded, said goodbye, or its lease expired); the instance must send a new hello.
 */
export class HeartbeatResponse {
  status: 'ok' | 'hello-again';
  /** Why a hello is needed: `unknown`, `superseded`, `gone`. */
  reason?: 'unknown' | 'superseded' | 'gone';
  instanceStatus?: InstanceStatus;
  leaseMs: number;
}

export class InstanceStatusResponse {
  instanceId: string;
  status: InstanceStatus;
}
