import { NAME_PATTERN, Nested } from '@evento/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

export const ACTUATOR_KINDS = ['kubernetes', 'script', 'none'] as const;
export type ActuatorKind = (typeof ACTUATOR_KINDS)[number];

/** Kubernetes names: a namespace is a DNS-1123 label, a Deployment a DNS-1123 subdomain. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A file name inside DEPLOY_SCRIPT_DIR: no slashes, so no path of the caller's choosing. */
export const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
const ENV_LIMITS = { keys: 50, valueLength: 4096 };

function isEnvironment(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= ENV_LIMITS.keys &&
    entries.every(
      ([key, v]) =>
        ENV_NAME.test(key) &&
        !key.startsWith('EVENTO_') &&
        typeof v === 'string' &&
        v.length <= ENV_LIMITS.valueLength &&
        !v.includes('\u0000'),
    )
  );
}

/** What starts and stops instances: a Deployment's replica count, a deploy script, or nothing (dry run). */
export class ActuatorDto {
  @ApiProperty({ enum: ACTUATOR_KINDS })
  @IsIn(ACTUATOR_KINDS, { message: `kind must be one of ${ACTUATOR_KINDS.join(', ')}` })
  kind: ActuatorKind;

  /** kubernetes: the Deployment's namespace. */
  @ApiPropertyOptional({ example: 'todo' })
  @ValidateIf((actuator: ActuatorDto) => actuator.kind === 'kubernetes')
  @Matches(DNS_LABEL, { message: 'namespace must be a Kubernetes namespace name (DNS-1123 label)' })
  namespace?: string;

  /** kubernetes: the bundle's Deployment, whose scale subresource the scaler sets. */
  @ApiPropertyOptional({ example: 'todo-bundle' })
  @ValidateIf((actuator: ActuatorDto) => actuator.kind === 'kubernetes')
  @Matches(DNS_SUBDOMAIN, { message: 'deployment must be a Kubernetes object name (DNS-1123 subdomain)' })
  deployment?: string;

  /** script: a file name inside DEPLOY_SCRIPT_DIR (executable). */
  @ApiPropertyOptional({ example: 'start-todo.sh' })
  @ValidateIf((actuator: ActuatorDto) => actuator.kind === 'script')
  @Matches(SCRIPT_NAME, { message: 'script must be a file name (A-Z a-z 0-9 . _ -) inside DEPLOY_SCRIPT_DIR' })
  script?: string;

  /** script: extra environment for the instances the script starts (not for secrets: it is shown in the API). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @ValidateBy({
    name: 'isEnvironment',
    validator: {
      validate: isEnvironment,
      defaultMessage: () =>
        `environment must map at most ${ENV_LIMITS.keys} names (A-Z 0-9 _, not EVENTO_*) to strings of at most ${ENV_LIMITS.valueLength} characters`,
    },
  })
  environment?: Record<string, string>;
}

/** What a telemetry rule measures (the telemetry app's bundle stats over the rule's window). */
export const RULE_METRICS = ['p95ServiceTimeMs', 'consumerLag'] as const;
export type RuleMetric = (typeof RULE_METRICS)[number];
export const MAX_RULES = 5;

/** A rule on telemetry: the metric above `threshold` over the last `windowMs` counts as suffering. */
export class ScalingRuleDto {
  @ApiProperty({ enum: RULE_METRICS })
  @IsIn(RULE_METRICS, { message: `metric must be one of ${RULE_METRICS.join(', ')}` })
  metric: RuleMetric;

  /** Milliseconds for p95ServiceTimeMs, messages for consumerLag; the rule fires above it. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1e12)
  threshold: number;

  /** How far back telemetry looks (milliseconds, 1 s to 1 h). */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  windowMs: number;

  /** p95ServiceTimeMs: only this component's handlers (default: all of the bundle's). */
  @ApiPropertyOptional({ example: 'OrderAggregate' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'component must be a component name (as in telemetry samples)' })
  component?: string;
}

/** A bundle's scaling policy, as operators write it (PUT replaces it whole). */
export class PolicyDto {
  @IsBoolean()
  enabled: boolean;

  @IsInt()
  @Min(0)
  @Max(1000)
  minInstances: number;

  @IsInt()
  @Min(1)
  @Max(1000)
  maxInstances: number;

  /** Most instances started or drained by one decision. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  step?: number;

  /** Least time between a scale-up and the next one (milliseconds). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  cooldownUpMs?: number;

  /** Least time after any scaling before a scale-down (milliseconds). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  cooldownDownMs?: number;

  /** A requested instance that has not said hello by then no longer counts as starting (milliseconds). */
  @IsOptional()
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  startTimeoutMs?: number;

  /** How long a drained instance may take to finish its work and leave (milliseconds). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  drainTimeoutMs?: number;

  /** Start instances when none runs (at boot and after all died); without it, `min` is kept only while one runs. */
  @IsOptional()
  @IsBoolean()
  autorun?: boolean;

  @IsObject({ message: 'actuator must be an object: { kind, … }' })
  @Nested(() => ActuatorDto)
  actuator: ActuatorDto;

  /** Optional rules on telemetry, each a reason to scale up like a suffering signal. */
  @ApiPropertyOptional({ type: [ScalingRuleDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RULES)
  @IsObject({ each: true, message: 'each rule must be an object: { metric, threshold, windowMs, component? }' })
  @Nested(() => ScalingRuleDto, { each: true })
  rules?: ScalingRuleDto[];

  /** Free text for people. */
  @IsOptional()
  @MaxLength(500)
  @ValidateBy({
    name: 'noNul',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !value.includes('\u0000'),
      defaultMessage: () => 'description must be a string without NUL',
    },
  })
  description?: string;
}

export const POLICY_DEFAULTS = {
  step: 1,
  cooldownUpMs: 30_000,
  cooldownDownMs: 120_000,
  startTimeoutMs: 120_000,
  drainTimeoutMs: 30_000,
  autorun: false,
} as const;

export class ActuatorView {
  kind: ActuatorKind;
  namespace?: string;
  deployment?: string;
  script?: string;
  environment?: Record<string, string>;
}

export class ScalingRuleView {
  metric: RuleMetric;
  threshold: number;
  windowMs: number;
  component?: string;
}

/** A stored policy. */
export class PolicyView {
  bundleId: string;
  enabled: boolean;
  minInstances: number;
  maxInstances: number;
  step: number;
  cooldownUpMs: number;
  cooldownDownMs: number;
  startTimeoutMs: number;
  drainTimeoutMs: number;
  autorun: boolean;
  actuator: ActuatorView;
  rules: ScalingRuleView[];
  description: string | null;
  createdAt: string;
  updatedAt: string;
}
