import { defineEvent } from '../contract';
import { SUBJECT_PREFIX } from '../protocol';
import { ScalingSignal } from './signals.contract';

export * from './signals.contract';

export const ScalerContracts = {
  /** Fire-and-forget from bundle instances; the active scaler acts on them. */
  signal: defineEvent(`${SUBJECT_PREFIX}.scaler.signals`, ScalingSignal),
} as const;
