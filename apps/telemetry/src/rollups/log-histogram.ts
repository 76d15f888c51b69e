/**
 * A log-bucketed histogram of durations in milliseconds (the DDSketch layout): bucket i > 0
 * holds the values in (MIN·γ^(i-1), MIN·γ^i] with γ = (1+α)/(1-α), and is read back as
 * 2·MIN·γ^i/(γ+1). Any value read back is then within a relative error α of a value that
 * really fell in that bucket. Bucket 0 holds everything at or below MIN (read back as 0).
 * Buckets are sparse (index → count) and merge by adding counts, in memory and in SQL.
 */
export const HISTOGRAM_RELATIVE_ERROR = 0.02;
/** 1 µs: below this a duration counts as zero (absolute error ≤ 1 µs there). */
export const HISTOGRAM_MIN_MS = 0.001;

const GAMMA = (1 + HISTOGRAM_RELATIVE_ERROR) / (1 - HISTOGRAM_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);

export type SparseHistogram = Record<string, number>;

export function bucketOf(ms: number): number {
  if (!(ms > HISTOGRAM_MIN_MS)) return 0;
  return Math.max(1, Math.ceil(Math.log(ms / HISTOGRAM_MIN_MS) / LOG_GAMMA));
}

export function bucketValue(index: number): number {
  return index <= 0 ? 0 : (HISTOGRAM_MIN_MS * 2 * GAMMA ** index) / (GAMMA + 1);
}

export function addToHistogram(histogram: Map<number, number>, ms: number, count = 1): void {
  const index = bucketOf(ms);
  histogram.set(index, (histogram.get(index) ?? 0) + count);
}

export function mergeHistograms(into: Map<number, number>, from: Map<number, number> | SparseHistogram): void {
  const entries = from instanceof Map ? from.entries() : Object.entries(from).map(([k, v]) => [Number(k), v] as const);
  for (const [index, count] of entries) into.set(index, (into.get(index) ?? 0) + count);
}

export function toSparse(histogram: Map<number, number>): SparseHistogram {
  const sparse: SparseHistogram = {};
  for (const [index, count] of histogram) sparse[String(index)] = count;
  return sparse;
}

/**
 * The q-quantile by the nearest-rank rule (the value of rank ⌈q·n⌉), read from the bucket
 * holding that rank and clamped to the observed [min, max], which only brings it closer.
 */
export function quantile(
  histogram: Map<number, number> | SparseHistogram,
  q: number,
  bounds?: { min: number; max: number },
): number | null {
  const entries = (
    histogram instanceof Map
      ? [...histogram.entries()]
      : Object.entries(histogram).map(([k, v]) => [Number(k), v] as const)
  )
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [index, count] of entries) {
    seen += count;
    if (seen >= rank) {
      const value = bucketValue(index);
      return bounds ? Math.min(bounds.max, Math.max(bounds.min, value)) : value;
    }
  }
  return null;
}

/** The exact nearest-rank quantile of raw values, for tests and baselines. */
export function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}
