#!/usr/bin/env node
// Every benchmark, in sequence, against freshly started apps: npm run bench [-- --quick]
//
// Runs the event-store (appends vs raw inserts vs emmett, catch-up, delivery latency), gateway
// (domain-command round trip vs its floor), growth (append and story latency as the store
// grows) and sdk (round trip and catch-up through a bundle written with the SDK) benchmarks, each starting its own apps on fresh databases and a private NATS server,
// then writes bench/results/latest.json (every figure) and bench/results/latest.md (the report,
// with SVG charts in bench/results/charts/). --quick finishes in about three minutes; the full
// run reads a million events back, grows the store to ten million and takes up to 30 minutes.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { headlines, renderReport } from './lib/report.mjs';
import { buildIfNeeded, parseFlags, progress, ROOT, runMain } from './support.mjs';

const USAGE = `Usage: npm run bench [-- options]

  --quick          every benchmark in its short form (about 3 minutes in all)
  --only=<list>    run only these: event-store, gateway, growth, sdk, telemetry (full run only by default)
  --nats[=<url>]   passed on: use this NATS server instead of private ones

The report is bench/results/latest.md; every figure is in bench/results/latest.json.
`;

const RESULTS = join(ROOT, 'bench', 'results');

/** Each benchmark with its arguments for the quick and the full run. */
const BENCHES = {
  'event-store': {
    script: 'event-store.mjs',
    quick: ['--quick', '--duration=1.5', '--app-warmup=2', '--fetch-events=50000', '--samples=100'],
    full: ['--fetch-events=1000000'],
  },
  gateway: { script: 'gateway.mjs', quick: ['--quick'], full: [] },
  growth: { script: 'growth.mjs', quick: ['--quick', '--samples=100'], full: [] },
  // A bundle written with @evento/sdk: command round trip (1, 16, 64 clients), append-to-view
  // through a projector, and catch-up through a projector that does nothing.
  sdk: { script: 'sdk.mjs', quick: ['--quick', '--duration=1.5'], full: [] },
  // Telemetry ingestion (issue of its own); only in the full run, to keep --quick under 3 minutes.
  telemetry: { script: 'telemetry.mjs', quick: null, full: [] },
};

function runBench(name, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'bench', BENCHES[name].script), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', stop);
      resolve({
        seconds: Math.round((Date.now() - started) / 1000),
        outcome: code === 0 ? 'ok' : `failed (${signal ?? code})`,
      });
    });
  });
}

/** Writes a file the way the repository's Prettier settings format it, so lint stays green. */
async function writeFormatted(path, text) {
  const options = (await prettier.resolveConfig(path)) ?? {};
  writeFileSync(path, await prettier.format(text, { ...options, filepath: path }));
}

/** The README quotes the headline ratios of the latest report, between two markers. */
async function updateReadme(lines, mode, generatedAt) {
  const path = join(ROOT, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const pattern = /(<!-- bench:headlines -->\n)[\s\S]*?(<!-- \/bench:headlines -->)/;
  if (!pattern.test(readme)) return;
  const body = [...lines.map((line) => `- ${line}`), `- (${mode} run of ${generatedAt.slice(0, 10)})`].join('\n');
  await writeFormatted(path, readme.replace(pattern, `$1\n${body}\n\n$2`));
}

async function main() {
  const { flags, list } = parseFlags(process.argv.slice(2), ['quick', 'only', 'nats'], USAGE);
  const mode = flags.has('quick') ? 'quick' : 'full';
  const only = list(
    'only',
    Object.keys(BENCHES).filter((name) => BENCHES[name][mode] !== null),
  );
  for (const name of only) if (!BENCHES[name]) throw new Error(`unknown benchmark "${name}"\n\n${USAGE}`);
  const passOn = flags.has('nats') ? [flags.get('nats') === true ? '--nats' : `--nats=${flags.get('nats')}`] : [];

  // Build once, so no benchmark's clock includes a build.
  for (const app of ['event-store', 'registry', 'gateway', 'telemetry']) await buildIfNeeded(app);
  // The SDK bench runs the SDK from dist/libs/sdk, which that build compiles too
  // (tsconfig.build.json includes libs/sdk/src). `npm run build:sdk` is not needed: it writes
  // libs/sdk/dist, which the build check counts as a source, so every run would rebuild.

  mkdirSync(RESULTS, { recursive: true });
  const results = {};
  const durations = {};
  for (const name of only) {
    const out = join(RESULTS, `${name}.json`);
    progress(`=== ${name} (${mode})`);
    const args = BENCHES[name][mode] ?? BENCHES[name].full;
    durations[name] = await runBench(name, [...args, ...passOn, '--no-build', `--out=${out}`]);
    if (durations[name].outcome === 'ok' && existsSync(out)) results[name] = JSON.parse(readFileSync(out, 'utf8'));
  }

  const generatedAt = new Date().toISOString();
  const charts = {};
  const report = renderReport({ generatedAt, mode, results, durations }, charts);
  mkdirSync(join(RESULTS, 'charts'), { recursive: true });
  for (const [file, svg] of Object.entries(charts)) writeFileSync(join(RESULTS, 'charts', file), `${svg}\n`);
  await writeFormatted(join(RESULTS, 'latest.json'), JSON.stringify({ generatedAt, mode, durations, results }));
  await writeFormatted(join(RESULTS, 'latest.md'), report);
  await updateReadme(headlines(results), mode, generatedAt);
  progress(
    `report: bench/results/latest.md (${Object.keys(charts).length} charts); figures: bench/results/latest.json`,
  );
  const failed = Object.entries(durations).filter(([, d]) => d.outcome !== 'ok');
  if (failed.length > 0) throw new Error(`failed: ${failed.map(([name, d]) => `${name} ${d.outcome}`).join(', ')}`);
}

await runMain(main);
