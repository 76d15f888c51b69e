import type { PolicyView } from '../policies/dto/policy.dto';

export interface ActuatorRequest {
  decisionId: string;
  policy: PolicyView;
  /** Instances to start or stop. */
  count: number;
  /** The instance count the decision aims at (Kubernetes: the replica count). */
  target: number;
  /** Ids the started instances must use (deploy script); empty when the actuator names them. */
  instanceIds: string[];
}

export interface ActuatorResult {
  /** What the actuator said (bounded), for the decision log. */
  output: string;
}

/** A failed attempt, with whatever output it produced. */
export class ActuatorError extends Error {
  override readonly name = 'ActuatorError';
  constructor(
    message: string,
    readonly output: string = '',
  ) {
    super(message);
  }
}
