import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsObject, IsOptional, Matches, Max, Min } from 'class-validator';
import { NAME_PATTERN } from '../event-store/events.contract';
import { BUNDLE_ID_PATTERN, INSTANCE_ID_PATTERN } from '../registry/hello.contract';
import { Nested } from '../validation/nested.decorator';

const NAME_RULE = '1-200 printable characters without spaces';

/** A batch carries at most this many entries of each kind, so it stays far below 1 MiB. */
export const TELEMETRY_BATCH_LIMIT = 2000;

export const SAMPLE_OUTCOMES = ['ok', 'error'] as const;
export type SampleOutcome = (typeof SAMPLE_OUTCOMES)[number];

/** One handler execution in a bundle. */
export class HandlerSample {
  @Matches(NAME_PATTERN, { message: `component must be ${NAME_RULE}` })
  component: string;

  /** The handler's method or function name. */
  @Matches(NAME_PATTERN, { message: `handler must be ${NAME_RULE}` })
  handler: string;

  /** The payload it handled. */
  @Matches(NAME_PATTERN, { message: `payload must be ${NAME_RULE}` })
  payload: string;

  /** Start, milliseconds since the Unix epoch. */
  @IsInt()
  @Min(0)
  startedAt: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(86_400_000)
  durationMs: number;

  @IsIn(SAMPLE_OUTCOMES)
  outcome: SampleOutcome;
}

/** What one handler sent while it ran, summed over its executions since the last batch. */
export class InvocationCount {
  @Matches(NAME_PATTERN, { message: `component must be ${NAME_RULE}` })
  component: string;

  @Matches(NAME_PATTERN, { message: `handler must be ${NAME_RULE}` })
  handler: string;

  @Matches(NAME_PATTERN, { message: `payload must be ${NAME_RULE}` })
  payload: string;

  @IsInt()
  @Min(0)
  executions: number;

  /** Payload name of each command or query sent → how many times. */
  @IsObject()
  invoked: Record<string, number>;
}

export class ConsumerLag {
  @Matches(NAME_PATTERN, { message: `consumerId must be ${NAME_RULE}` })
  consumerId: string;

  @IsInt()
  @Min(0)
  lag: number;
}

/** Periodic resource report of one instance. */
export class ResourceReport {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  cpuPercent: number;

  @IsInt()
  @Min(0)
  rssBytes: number;

  @IsInt()
  @Min(0)
  heapUsedBytes: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  eventLoopDelayMs: number;

  @IsInt()
  @Min(0)
  inFlight: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Nested(() => ConsumerLag, { each: true })
  consumers?: ConsumerLag[];
}

/**
 * A bundle batch's own fields, its entry lists checked for shape only. Telemetry checks the
 * envelope once and each entry on its own, so one bad entry costs only itself.
 */
export class BundleTelemetryEnvelope {
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId: string;

  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be an instance id' })
  instanceId: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TELEMETRY_BATCH_LIMIT)
  samples?: unknown[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TELEMETRY_BATCH_LIMIT)
  invocations?: unknown[];

  @IsOptional()
  @IsObject()
  resources?: object;
}

/** What a bundle instance sends, fire-and-forget, every few seconds. */
export class BundleTelemetryBatch extends BundleTelemetryEnvelope {
  @Nested(() => HandlerSample, { each: true })
  declare samples?: HandlerSample[];

  @Nested(() => InvocationCount, { each: true })
  declare invocations?: InvocationCount[];

  @Nested(() => ResourceReport)
  declare resources?: ResourceReport;
}

export const GATEWAY_WORK_KINDS = ['domain-command', 'service-command', 'query', 'publish'] as const;

/** One request as the gateway served it, with where its time went (milliseconds). */
export class GatewaySample {
  @IsIn(GATEWAY_WORK_KINDS)
  kind: (typeof GATEWAY_WORK_KINDS)[number];

  @Matches(NAME_PATTERN, { message: `payload must be ${NAME_RULE}` })
  payload: string;

  /** The bundle that handled it (absent when none was found). */
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId?: string;

  @IsInt()
  @Min(0)
  startedAt: number;

  /** Waiting for the aggregate (domain commands) or the lock id (service commands). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  waitMs: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  loadMs: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  bundleMs: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  appendMs: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  totalMs: number;

  @IsIn(SAMPLE_OUTCOMES)
  outcome: SampleOutcome;

  /** The error code when the outcome is an error. */
  @IsOptional()
  @Matches(/^[A-Z_]{1,64}$/, { message: 'errorCode must be an error code' })
  errorCode?: string;

  /**
   * Names of the events the command appended (domain and service commands): the edges
   * command → event of the performance model's flow graph.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(NAME_PATTERN, { each: true, message: `each event name must be ${NAME_RULE}` })
  events?: string[];
}

/** A gateway batch's own fields, its samples checked for shape only (see BundleTelemetryEnvelope). */
export class GatewayTelemetryEnvelope {
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'gatewayInstanceId must be an instance id' })
  gatewayInstanceId: string;

  @IsArray()
  @ArrayMaxSize(TELEMETRY_BATCH_LIMIT)
  samples: unknown[];
}

export class GatewayTelemetryBatch extends GatewayTelemetryEnvelope {
  @Nested(() => GatewaySample, { each: true })
  declare samples: GatewaySample[];
}
