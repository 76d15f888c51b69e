/** What a decision did: start or drain instances, or hold (a signal or a rule asked, a limit said no). */
export const SCALING_ACTIONS = ['up', 'down', 'hold'] as const;
export type ScalingAction = (typeof SCALING_ACTIONS)[number];

/**
 * pending: the actuator is working; succeeded / failed: its result; dry-run: actuator `none`;
 * held: nothing was asked of an actuator.
 */
export const DECISION_OUTCOMES = ['pending', 'succeeded', 'failed', 'dry-run', 'held'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** Published by the active scaler when it decides, and again when the decision's outcome is known. */
export class ScalingDecisionNotice {
  decisionId: string;
  bundleId: string;
  action: ScalingAction;
  /** Instances to start (up) or drain (down); 0 for hold. */
  count: number;
  reason: string;
  outcome: DecisionOutcome;
  /** Instance count the decision aims at. */
  target: number;
  /** The scaler replica that decided. */
  scalerInstanceId: string;
  at: string;
}
