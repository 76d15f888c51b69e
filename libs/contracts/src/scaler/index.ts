import { defineEvent } from '../contract';
import { SUBJECT_PREFIX } from '../protocol';
import { ScalingDecisionNotice } from './decisions.contract';
import { ScalingSignal } from './signals.contract';

export * from './signals.contract';
export * from './decisions.contract';

export const ScalerContracts = {
  /** Fire-and-forget from bundle instances; the active scaler acts on them. */
  signal: defineEvent(`${SUBJECT_PREFIX}.scaler.signals`, ScalingSignal),
  /** Fire-and-forget from the active scaler: each decision, then its outcome. */
  decisions: defineEvent(`${SUBJECT_PREFIX}.scaler.decisions`, ScalingDecisionNotice),
} as const;
