#!/usr/bin/env node
// Benchmark of telemetry ingestion: npm run bench:telemetry [-- options]
//
// Starts the built telemetry app (node dist/apps/telemetry/src/main.js) on a fresh database and a
// private nats-server, and measures, each beside a baseline measured in the same run:
//
//   handler samples/s taken into the rollups     vs  the same batches published raw to a plain
//   (published in batches as a bundle would,         subscriber that only JSON-parses them
//    read back from the app's own counters)
//
// Then it checks that what the app counted as accepted is what reached the rollup tables.
// Results go to stdout as a table and to bench/results/telemetry.json; progress goes to stderr.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import {
  ROOT,
  buildIfNeeded,
  entryOf,
  fmtInt,
  fmtRatio,
  freePort,
  now,
  onCleanup,
  processCpuSeconds,
  progress,
  round,
  runCleanups,
  sleep,
  startChild,
  table,
} from './support.mjs';

const SUBJECT = 'evento.v1.telemetry.samples.bundle';

const USAGE = `Usage: npm run bench:telemetry [-- options]

  --quick            short run: 2 s per measurement (default 5 s)
  --duration=<s>     seconds of publishing per measurement
  --batch=<n>        samples per batch (default 500, at most 2000)
  --series=<n>       distinct handlers the samples spread over (default 200)
  --no-build         do not run npm run build even if the sources are newer than dist/
  --out=<file>       JSON results (default bench/results/telemetry.json)
`;

function parseOptions(argv) {
  const flags = new Map();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument "${arg}"\n\n${USAGE}`);
    flags.set(match[1], match[2] ?? true);
  }
  if (flags.has('help')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = flags.has('quick');
  return {
    quick,
    durationMs: Number(flags.get('duration') ?? (quick ? 2 : 5)) * 1000,
    batch: Math.min(2000, Number(flags.get('batch') ?? 500)),
    series: Number(flags.get('series') ?? 200),
    build: !flags.has('no-build'),
    out: flags.get('out') ?? join(ROOT, 'bench/results/telemetry.json'),
  };
}

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  return dirs.map((dir) => join(dir, 'nats-server')).find((path) => existsSync(path)) ?? null;
}

async function startPrivateNats() {
  const binary = findNatsServer();
  if (!binary) throw new Error('nats-server not found on PATH');
  const port = await freePort();
  const child = startChild('nats-server', binary, ['-a', '127.0.0.1', '-p', String(port)], process.env);
  onCleanup(() => child.stop(5000));
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connect({ servers: url, timeout: 500 });
      await nc.close();
      return url;
    } catch (error) {
      if (!child.running || Date.now() > deadline) throw new Error(`nats-server did not start: ${error.message}`);
      await sleep(100);
    }
  }
}

async function startTelemetry(databaseUrl, natsUrl) {
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    TELEMETRY_FLUSH_MS: '1000',
    // The bench measures throughput, not the per-sender limit.
    TELEMETRY_SENDER_RATE: '10000000',
    TELEMETRY_SENDER_BURST: '10000000',
  };
  delete env.NATS_SUBJECT_PREFIX;
  const child = startChild('telemetry', process.execPath, [entryOf('telemetry')], env);
  onCleanup(() => child.stop());
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (!child.running) throw new Error(`telemetry exited during boot:\n${child.output()}`);
    if (Date.now() - started > 60_000) throw new Error(`telemetry not ready in 60 s:\n${child.output()}`);
    await sleep(200);
  }
  progress(`telemetry ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid})`);
  return { child, url };
}

/** Pre-encoded batches: `series` handlers spread over 4 bundles, durations 0.1..100 ms. */
function makeBatches(options, count = 64) {
  const batches = [];
  for (let b = 0; b < count; b++) {
    const bundle = `bench-${b % 4}`;
    const samples = [];
    for (let i = 0; i < options.batch; i++) {
      const h = (b * options.batch + i) % options.series;
      samples.push({
        component: `Component${h % 20}`,
        handler: `handle${h}`,
        payload: `Payload${h}`,
        startedAt: Date.now(),
        durationMs: round(0.1 + ((i * 7919) % 1000) / 10, 3),
        outcome: i % 50 === 0 ? 'error' : 'ok',
      });
    }
    batches.push(Buffer.from(JSON.stringify({ bundleId: bundle, instanceId: `${bundle}-1`, samples })));
  }
  return batches;
}

/** Publishes batches for `durationMs`, flushing every few batches so NATS is not just buffering. */
async function publishFor(nc, subject, batches, durationMs) {
  const start = now();
  let sent = 0;
  while (now() - start < durationMs) {
    for (let i = 0; i < 8; i++) nc.publish(subject, batches[sent++ % batches.length]);
    await nc.flush();
  }
  return { batches: sent, ms: now() - start };
}

async function rawBaseline(nc, natsUrl, batches, options) {
  const subject = `bench.raw.${randomBytes(4).toString('hex')}`;
  const sub = await connect({ servers: natsUrl, name: 'evento-bench-subscriber' });
  let received = 0;
  let lastAt = 0;
  sub.subscribe(subject, {
    callback: (error, msg) => {
      if (error) return;
      received += JSON.parse(msg.string()).samples.length;
      lastAt = now();
    },
  });
  await sub.flush();
  const start = now();
  const { batches: sent } = await publishFor(nc, subject, batches, options.durationMs);
  const expected = sent * options.batch;
  const deadline = Date.now() + 30_000;
  while (received < expected && Date.now() < deadline) await sleep(20);
  await sub.close();
  return { samples: received, expected, samplesPerSec: received / ((lastAt - start) / 1000) };
}

async function appCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (pattern) => Number(new RegExp(pattern).exec(text)?.[1] ?? 0);
  return {
    accepted: read(/evento_telemetry_entries_accepted_total\{kind="handler"[^}]*\} (\d+)/.source),
    refused: ['malformed', 'rate-limited', 'out-of-window', 'series-limit'].reduce(
      (sum, reason) => sum + read(`evento_telemetry_entries_refused_total\\{reason="${reason}"[^}]*\\} (\\d+)`),
      0,
    ),
  };
}

async function telemetryRun(nc, app, batches, options) {
  const cpuBefore = processCpuSeconds(app.child.pid);
  const start = now();
  const { batches: sent } = await publishFor(nc, SUBJECT, batches, options.durationMs);
  const expected = sent * options.batch;
  // The app may still be working through what NATS delivered: wait until its counters settle.
  let counters = await appCounters(app.url);
  let doneAt = now();
  const deadline = Date.now() + 60_000;
  while (counters.accepted + counters.refused < expected && Date.now() < deadline) {
    await sleep(50);
    const next = await appCounters(app.url);
    if (next.accepted + next.refused > counters.accepted + counters.refused) doneAt = now();
    counters = next;
  }
  const cpuAfter = processCpuSeconds(app.child.pid);
  const seconds = (doneAt - start) / 1000;
  return {
    expected,
    accepted: counters.accepted,
    refused: counters.refused,
    lost: expected - counters.accepted - counters.refused,
    samplesPerSec: counters.accepted / seconds,
    appCpuPct: cpuBefore !== null && cpuAfter !== null ? round(((cpuAfter - cpuBefore) / seconds) * 100, 0) : null,
  };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.build) await buildIfNeeded('telemetry');
  if (!existsSync(entryOf('telemetry'))) throw new Error('dist/ has no telemetry app: run npm run build');
  const natsUrl = await startPrivateNats();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  onCleanup(() => admin.end());
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/evento_bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = dbUrl.toString();
  onCleanup(() => admin.query(`DROP DATABASE IF EXISTS "${dbUrl.pathname.slice(1)}" WITH (FORCE)`));

  const app = await startTelemetry(databaseUrl, natsUrl);
  const nc = await connect({ servers: natsUrl, name: 'evento-bench' });
  onCleanup(() => nc.close());
  const batches = makeBatches(options);
  const bytesPerBatch = batches[0].length;

  progress('raw NATS baseline');
  const raw = await rawBaseline(nc, natsUrl, batches, options);
  progress('telemetry ingestion');
  const ingest = await telemetryRun(nc, app, batches, options);

  // What was accepted must be what the rollups hold once flushed.
  let stored = 0;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    stored = Number(
      (await db.query('SELECT coalesce(sum(count), 0)::bigint AS n FROM telemetry.handler_rollups')).rows[0].n,
    );
    if (stored >= ingest.accepted) break;
    await sleep(200);
  }
  await db.end();

  const results = {
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg().map((v) => round(v, 2)) },
    options: { ...options, out: undefined },
    bytesPerBatch,
    raw: { ...raw, samplesPerSec: round(raw.samplesPerSec, 0) },
    telemetry: { ...ingest, samplesPerSec: round(ingest.samplesPerSec, 0), storedInRollups: stored },
    ratio: round(ingest.samplesPerSec / raw.samplesPerSec, 3),
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    [
      'Evento telemetry ingestion benchmark',
      `machine   ${results.machine.cpus} cores, load ${results.machine.loadAverage.join(' ')}, node ${results.machine.node}`,
      `run       ${options.durationMs / 1000} s per measurement, batches of ${options.batch} samples (${fmtInt(bytesPerBatch)} bytes) over ${options.series} handlers`,
      '',
      table(
        ['path', 'samples/s', 'samples sent', 'accepted', 'refused', 'lost', 'in rollups', 'app cpu%', 'vs raw'],
        [
          [
            'raw NATS publish -> subscriber (JSON.parse)',
            fmtInt(raw.samplesPerSec),
            fmtInt(raw.expected),
            fmtInt(raw.samples),
            '-',
            fmtInt(raw.expected - raw.samples),
            '-',
            '-',
            '-',
          ],
          [
            'telemetry ingestion -> rollups',
            fmtInt(ingest.samplesPerSec),
            fmtInt(ingest.expected),
            fmtInt(ingest.accepted),
            fmtInt(ingest.refused),
            fmtInt(ingest.lost),
            fmtInt(stored),
            ingest.appCpuPct ?? '-',
            fmtRatio(results.ratio),
          ],
        ],
      ),
      '',
    ].join('\n'),
  );
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(runCleanups);
