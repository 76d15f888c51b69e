import { IsBoolean, IsOptional, Matches } from 'class-validator';
import { BUNDLE_ID_PATTERN, INSTANCE_ID_PATTERN, SESSION_ID_PATTERN } from './hello.contract';

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

/** Every instance the registry knows of, for the scaler (which needs joined and draining ones too). */
export class ListInstancesRequest {
  /** Only the instances of this bundle. */
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;

  /** Also list instances that left and are not yet forgotten (default false). */
  @IsOptional()
  @IsBoolean()
  includeGone?: boolean;
}

export class ListedInstance {
  instanceId: string;
  bundleId: string;
  bundleVersion: string;
  /** Effective status: an expired lease reads as gone. */
  status: InstanceStatus;
  host: string;
  pid: number;
  pod: string | null;
  joinedAt: string;
  lastHeartbeatAt: string;
  leaseExpiresAt: string;
  leftAt: string | null;
  leftReason: string | null;
}

export class ListInstancesResponse {
  generatedAt: string;
  /** Ordered by bundle then instance id; at most LIST_INSTANCES_LIMIT. */
  instances: ListedInstance[];
  /** More instances matched than were listed. */
  truncated: boolean;
}

/** Keeps the reply well below the NATS maximum payload (about 400 bytes per instance). */
export const LIST_INSTANCES_LIMIT = 2_000;
