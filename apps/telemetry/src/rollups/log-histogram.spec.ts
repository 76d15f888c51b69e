import {
  exactQuantile,
  HISTOGRAM_RELATIVE_ERROR,
  mergeHistograms,
  quantile,
  addToHistogram,
  bucketOf,
  bucketValue,
} from './log-histogram';

describe('log histogram', () => {
  it('reads every value back within the documented relative error', () => {
    for (let ms = 0.002; ms < 1e7; ms *= 1.37) {
      const back = bucketValue(bucketOf(ms));
      expect(Math.abs(back - ms) / ms).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR + 1e-12);
    }
  });

  it('gives quantiles within the relative error of the exact nearest-rank quantile', () => {
    // A deterministic skewed spread: 1..1000 squared over 1000.
    const values = Array.from({ length: 1000 }, (_, i) => (i + 1) ** 2 / 1000);
    const hist = new Map<number, number>();
    values.forEach((v) => addToHistogram(hist, v));
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactQuantile(values, q);
      const estimate = quantile(hist, q, { min: values[0], max: values[values.length - 1] })!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
    }
  });

  it('merges by adding counts', () => {
    const a = new Map<number, number>();
    const b = new Map<number, number>();
    addToHistogram(a, 5);
    addToHistogram(b, 5);
    addToHistogram(b, 500);
    mergeHistograms(a, b);
    expect([...a.values()].reduce((x, y) => x + y, 0)).toBe(3);
    expect(quantile(a, 0.5)).toBeCloseTo(5, 0);
  });

  it('puts zero durations in bucket 0 and reads them as 0', () => {
    const hist = new Map<number, number>();
    addToHistogram(hist, 0);
    expect(quantile(hist, 0.99)).toBe(0);
  });
});
