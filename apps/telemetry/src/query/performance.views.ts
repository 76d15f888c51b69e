import { quantile, type SparseHistogram } from '../rollups/log-histogram';
import type { DurationRow } from '../storage/performance.repository';

/** Service times of a set of executions, in milliseconds; percentiles within the histogram's relative error. */
export interface DurationSummary {
  count: number;
  errors: number;
  errorRate: number;
  throughputPerSec: number;
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export function summarise(row: DurationRow | undefined, seconds: number): DurationSummary {
  const count = Number(row?.count ?? 0);
  if (!row || count === 0) {
    return {
      count: 0,
      errors: 0,
      errorRate: 0,
      throughputPerSec: 0,
      meanMs: null,
      minMs: null,
      maxMs: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
    };
  }
  const errors = Number(row.errors);
  const bounds = { min: row.minMs, max: row.maxMs };
  return {
    count,
    errors,
    errorRate: errors / count,
    throughputPerSec: count / seconds,
    meanMs: row.sumMs / count,
    minMs: row.minMs,
    maxMs: row.maxMs,
    p50Ms: quantile(row.hist, 0.5, bounds),
    p95Ms: quantile(row.hist, 0.95, bounds),
    p99Ms: quantile(row.hist, 0.99, bounds),
  };
}

export interface StageSummary {
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export function summariseStage(count: number, stage: { sumMs: number; hist: SparseHistogram }): StageSummary {
  if (count === 0) return { meanMs: null, p50Ms: null, p95Ms: null, p99Ms: null };
  return {
    meanMs: stage.sumMs / count,
    p50Ms: quantile(stage.hist, 0.5),
    p95Ms: quantile(stage.hist, 0.95),
    p99Ms: quantile(stage.hist, 0.99),
  };
}
