/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every line must
 * be a HELP, a TYPE, a comment, blank, or a well-formed sample; a family's TYPE comes before
 * its samples and at most once; a family's samples are contiguous; no series repeats;
 * histograms have ascending `le` buckets ending at +Inf with non-decreasing counts, and
 * `_count` equal to the +Inf bucket. Throws on the first violation, naming the line.
 */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: PrometheusSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] as const;
const SUFFIXES: Record<string, string[]> = {
  counter: ['_total', ''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
  gauge: [''],
  untyped: [''],
};

function parseValue(text: string, where: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

/** Reads `{a="x",b="y"}` starting at `i`; returns the labels and the index after `}`. */
function parseLabels(line: string, start: number, where: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (line[i] === '}') return { labels, end: i + 1 };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
    if (!nameMatch) throw new Error(`${where}: bad label name`);
    const name = nameMatch[0];
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`${where}: expected ="`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next}`);
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    i += 1;
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`${where}: reserved label ${name}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    labels[name] = value;
    if (line[i] === ',') i += 1;
    else if (line[i] !== '}') throw new Error(`${where}: expected , or }`);
  }
}

export function parsePrometheusText(text: string): PrometheusFamily[] {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('The exposition must end with a newline');
  const families = new Map<string, PrometheusFamily>();
  const finished = new Set<string>();
  const seriesSeen = new Set<string>();
  let current: PrometheusFamily | undefined;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1} "${line.slice(0, 80)}"`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!meta) return; // A plain comment.
      const [, kind, name, rest = ''] = meta;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      let family = families.get(name);
      if (family && finished.has(name)) throw new Error(`${where}: family ${name} appears twice`);
      if (!family) {
        if (current) finished.add(current.name);
        family = { name, type: 'untyped', samples: [] };
        families.set(name, family);
        current = family;
      }
      if (kind === 'TYPE') {
        if (!(TYPES as readonly string[]).includes(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        family.type = rest as PrometheusFamily['type'];
      } else {
        if (family.help !== undefined) throw new Error(`${where}: HELP twice`);
        family.help = rest;
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`${where}: bad sample name`);
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, where));
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length > 2 || parts[0] === '') throw new Error(`${where}: expected value [timestamp]`);
    const value = parseValue(parts[0], where);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`${where}: bad timestamp`);
    const family = current;
    const owns = family !== undefined && SUFFIXES[family.type].some((suffix) => name === `${family.name}${suffix}`);
    if (!family || !owns) throw new Error(`${where}: sample ${name} outside its family`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seriesSeen.has(series)) throw new Error(`${where}: series repeated`);
    seriesSeen.add(series);
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return [...families.values()];
}

function checkHistogram(family: PrometheusFamily): void {
  const groups = new Map<string, PrometheusSample[]>();
  const key = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([name]) => name !== 'le')
        .sort(),
    );
  for (const sample of family.samples) {
    const k = key(sample.labels);
    groups.set(k, [...(groups.get(k) ?? []), sample]);
  }
  for (const [labels, samples] of groups) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    const count = samples.find((s) => s.name.endsWith('_count'));
    if (!samples.some((s) => s.name.endsWith('_sum')) || !count) {
      throw new Error(`${family.name}${labels}: histogram without _sum or _count`);
    }
    let lastLe = Number.NEGATIVE_INFINITY;
    let lastCount = 0;
    for (const bucket of buckets) {
      if (bucket.labels.le === undefined) throw new Error(`${family.name}${labels}: bucket without le`);
      const le = parseValue(bucket.labels.le, family.name);
      if (!(le > lastLe)) throw new Error(`${family.name}${labels}: le not ascending`);
      if (bucket.value < lastCount) throw new Error(`${family.name}${labels}: bucket counts decrease`);
      lastLe = le;
      lastCount = bucket.value;
    }
    if (lastLe !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${labels}: no +Inf bucket`);
    if (count.value !== lastCount) throw new Error(`${family.name}${labels}: _count differs from the +Inf bucket`);
  }
}
