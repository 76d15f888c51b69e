import { IsDefined, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Nested } from '../validation/nested.decorator';

/**
 * Bundle and instance ids end up as tokens of NATS subjects (the instance's own subjects), so
 * they may not contain dots, spaces or wildcards.
 */
export const BUNDLE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
export const SESSION_ID_PATTERN = /^[0-9a-f-]{36}$/;

/** Where an instance runs; pod and node only on Kubernetes. */
export class InstanceLocation {
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  host: string;

  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  pid: number;

  @IsOptional()
  @IsString()
  @MaxLength(253)
  pod?: string;

  @IsOptional()
  @IsString()
  @MaxLength(253)
  node?: string;
}

export class HelloRequest {
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ - (a NATS subject token)' })
  bundleId: string;

  /** Free form (semantic version, build number, git sha). */
  @IsString()
  @Matches(/^\S{1,64}$/, { message: 'bundleVersion must be 1-64 characters without spaces' })
  bundleVersion: string;

  /** Stable across reconnects of one process: a new hello with the same id supersedes the old session. */
  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be 1-128 of A-Z a-z 0-9 _ - (a NATS subject token)' })
  instanceId: string;

  @IsInt()
  @Min(0)
  protocolVersion: number;

  /** The bundle token (BUNDLE_TOKEN or this bundle's entry in BUNDLE_TOKENS); omitted when none is configured. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  token?: string;

  // @ValidateNested alone lets an absent object through (class-validator skips it).
  @IsDefined()
  @Nested(() => InstanceLocation)
  location: InstanceLocation;
}

/**
 * The subjects an instance serves, derived from its bundle and instance ids. In the welcome
 * they are the subjects on NATS, with the suite's NATS_SUBJECT_PREFIX in front when it has one:
 * subscribe to them as they are.
 */
export class InstanceSubjects {
  /** Commands and queries the gateway routes to this instance. */
  requests: string;
  /** Server-to-instance control (drain, stop) and admin requests. */
  control: string;
}

/**
 * The bundle's configuration as the registry holds it (secrets in clear: only the bundle gets
 * them). `version` grows with every change; an instance ignores a configuration older than the
 * one it has.
 */
export class BundleConfiguration {
  version: number;
  values: Record<string, string>;
}

/** The welcome: the session the instance uses from now on, and how often to beat. */
export class WelcomeResponse {
  bundleId: string;
  instanceId: string;
  /** Sent with every later message of this session; a superseded session's id stops working. */
  sessionId: string;
  protocolVersion: number;
  heartbeatIntervalMs: number;
  /** Without a heartbeat for this long, the instance is removed from routing. */
  leaseMs: number;
  /** Where to subscribe, exactly as given (NATS_SUBJECT_PREFIX already in front). */
  subjects: InstanceSubjects;
  /** The registry replica that answered. */
  registryInstanceId: string;
  /** The bundle's configuration at the time of the welcome (version 0 and no values when none is set). */
  configuration?: BundleConfiguration;
}

/**
 * The instance's own subjects as the protocol names them, without NATS_SUBJECT_PREFIX (the
 * welcome's `subjects` carry the prefix; the routing table's `requestsSubject` does not).
 */
export function instanceSubjects(bundleId: string, instanceId: string): InstanceSubjects {
  const base = `evento.v1.bundle.${bundleId}.${instanceId}`;
  return { requests: `${base}.requests`, control: `${base}.control` };
}
