import { parsePrometheusText } from './prometheus-text';

const valid = `# HELP a_total Things.
# TYPE a_total counter
a_total{app="x",path="a\\"b\\\\c\\nd"} 3
# HELP h Latency.
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="+Inf"} 2
h_sum 0.3
h_count 2
# TYPE g gauge
g NaN
g{x="1"} -1e-3 1700000000000
`;

describe('parsePrometheusText', () => {
  it('reads a valid exposition', () => {
    const families = parsePrometheusText(valid);
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['a_total', 'counter', 1],
      ['h', 'histogram', 4],
      ['g', 'gauge', 2],
    ]);
    expect(families[0].samples[0].labels.path).toBe('a"b\\c\nd');
  });

  it.each([
    ['no final newline', 'g 1'],
    ['bad value', '# TYPE g gauge\ng one\n'],
    ['bad label', '# TYPE g gauge\ng{1x="a"} 1\n'],
    ['unterminated label', '# TYPE g gauge\ng{x="a} 1\n'],
    ['repeated series', '# TYPE g gauge\ng 1\ng 2\n'],
    ['sample of another family', '# TYPE g gauge\nother 1\n'],
    ['TYPE twice apart', '# TYPE g gauge\ng 1\n# TYPE k gauge\nk 1\n# TYPE g gauge\n'],
    ['histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['histogram count mismatch', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
    ['decreasing buckets', '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
