import { BUNDLE_ID_PATTERN, type DecisionOutcome, type ScalingAction } from '@evento/contracts';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class OperationView {
  operationId: string;
  kind: 'start' | 'drain';
  /** The instance started (deploy script) or drained; null when the actuator picks it (Kubernetes). */
  instanceId: string | null;
  /** pending, done, expired (the instance did not come or did not leave in time), failed (the actuator failed). */
  state: string;
  requestedAt: string;
  finishedAt: string | null;
  /** For a start: the registered instance that settled it. */
  matchedInstanceId: string | null;
  detail: string | null;
}

export class DecisionView {
  decisionId: string;
  bundleId: string;
  action: ScalingAction;
  count: number;
  target: number;
  reason: string;
  /** The observed view and limits the decision was taken on. */
  inputs: Record<string, unknown>;
  actuator: string;
  outcome: DecisionOutcome;
  /** The actuator's output (a deploy script's stdout and stderr, bounded). */
  output: string | null;
  error: string | null;
  scalerInstanceId: string;
  createdAt: string;
  finishedAt: string | null;
  operations: OperationView[];
}

export class DecisionsQueryDto {
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** Decisions older than this id (paging). */
  @IsOptional()
  @IsInt()
  @Min(1)
  before?: number;
}

export class ScalerStatusView {
  scalerInstanceId: string;
  /** This replica is the active scaler. */
  leader: boolean;
}
