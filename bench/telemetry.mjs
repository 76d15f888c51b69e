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
//   domain-command round trip (p50, p99)         with the gateway's telemetry on vs off
//   (gateway, event store, registry, telemetry,      (GATEWAY_TELEMETRY), as a ratio
//    a plain-NATS bundle)
//
// It also checks that what the app counted as accepted is what reached the rollup tables.
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
  fmtMs,
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
  summarize,
  table,
} from './support.mjs';

const SUBJECT = 'evento.v1.telemetry.samples.bundle';

const USAGE = `Usage: npm run bench:telemetry [-- options]

  --quick            short run: 2 s per measurement (default 5 s)
  --duration=<s>     seconds of publishing per measurement
  --batch=<n>        samples per batch (default 500, at most 2000)
  --series=<n>       distinct handlers the samples spread over (default 200)
  --commands=<n>     sequential commands per round-trip measurement (default 400; quick 150)
  --no-round-trip    skip the command round trip with gateway telemetry on and off
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
    roundTrip: !flags.has('no-round-trip'),
    commands: Number(flags.get('commands') ?? (quick ? 150 : 400)),
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
      if (!child.running || Date.now() > deadline) {
        throw new Error(`nats-server did not start: ${error.message}`, { cause: error });
      }
      await sleep(100);
    }
  }
}

async function startApp(app, databaseUrl, natsUrl, extraEnv = {}) {
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
    ...extraEnv,
  };
  delete env.NATS_SUBJECT_PREFIX;
  const child = startChild(app, process.execPath, [entryOf(app)], env);
  onCleanup(() => child.stop());
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (!child.running) throw new Error(`${app} exited during boot:\n${child.output()}`);
    if (Date.now() - started > 60_000) throw new Error(`${app} not ready in 60 s:\n${child.output()}`);
    await sleep(200);
  }
  progress(`${app} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid})`);
  return { child, url };
}

const startTelemetry = (databaseUrl, natsUrl) =>
  startApp('telemetry', databaseUrl, natsUrl, {
    TELEMETRY_FLUSH_MS: '1000',
    // The bench measures throughput, not the per-sender limit.
    TELEMETRY_SENDER_RATE: '10000000',
    TELEMETRY_SENDER_BURST: '10000000',
  });

// ---------------------------------------------------------------------------------------------
// Command round trip through the gateway, with its telemetry on and off
// ---------------------------------------------------------------------------------------------

const COUNTER = {
  components: [
    {
      type: 'aggregate',
      name: 'Counter',
      handlers: [
        { handlerType: 'aggregate-command', payload: 'Increment', returnType: 'Incremented' },
        { handlerType: 'event-sourcing', payload: 'Incremented' },
      ],
    },
  ],
  payloads: [
    { name: 'Increment', kind: 'domain-command', schema: { type: 'object' } },
    { name: 'Incremented', kind: 'domain-event', schema: { type: 'object' } },
  ],
};

/** A bundle instance with a plain NATS client: hello, discover, enable, heartbeats, answers. */
async function startCounterBundle(nc) {
  const ask = async (subject, body) => {
    const reply = JSON.parse((await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).string());
    if (reply.error) throw new Error(`${subject}: ${reply.error.code} ${reply.error.message}`);
    return reply.data;
  };
  const instanceId = `bench-counter-${randomBytes(3).toString('hex')}`;
  const welcome = await ask('evento.v1.registry.bundles.hello', {
    bundleId: 'bench-counter',
    bundleVersion: '1.0.0',
    instanceId,
    protocolVersion: 1,
    location: { host: os.hostname(), pid: process.pid },
  });
  const session = { instanceId, sessionId: welcome.sessionId };
  const sub = nc.subscribe(welcome.subjects.requests, {
    callback: (error, msg) => {
      if (error) return;
      const work = JSON.parse(msg.string());
      msg.respond(
        JSON.stringify({
          data: { event: { eventName: 'Incremented', payload: { version: work.story?.version ?? 0 } } },
        }),
      );
    },
  });
  await nc.flush();
  await ask('evento.v1.registry.bundles.discover', { ...session, descriptor: COUNTER });
  await ask('evento.v1.registry.instances.enable', session);
  const timer = setInterval(
    () =>
      void nc
        .request('evento.v1.registry.instances.heartbeat', JSON.stringify(session), { timeout: 2000 })
        .catch(() => undefined),
    welcome.heartbeatIntervalMs,
  );
  onCleanup(() => {
    clearInterval(timer);
    sub.unsubscribe();
  });
}

async function commandRoundTrips(nc, options, tag) {
  const latencies = [];
  for (let i = 0; i < options.commands; i++) {
    const body = JSON.stringify({ command: 'Increment', aggregateId: `${tag}-${i % 32}`, payload: { by: 1 } });
    const sent = now();
    const reply = JSON.parse((await nc.request('evento.v1.gateway.commands.send', body, { timeout: 10_000 })).string());
    latencies.push(now() - sent);
    if (reply.error) throw new Error(`command failed: ${reply.error.code} ${reply.error.message}`);
  }
  return latencies;
}

async function roundTripComparison(nc, databaseUrl, natsUrl, options) {
  await startApp('event-store', databaseUrl, natsUrl);
  await startApp('registry', databaseUrl, natsUrl);
  await startCounterBundle(nc);
  const latencies = { on: [], off: [] };
  // Off, on, on, off (ABBA), each half of the commands, so drift in the machine's load
  // weighs on both settings alike; each gateway warms up before it is measured.
  for (const telemetry of ['false', 'true', 'true', 'false']) {
    const gateway = await startApp('gateway', databaseUrl, natsUrl, {
      GATEWAY_TELEMETRY: telemetry,
      GATEWAY_TELEMETRY_FLUSH_MS: '500',
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const table = await (await fetch(`${gateway.url}/routing?payload=Increment`)).json().catch(() => null);
      if (table?.routes?.[0]?.instances?.length) break;
      if (Date.now() > deadline) throw new Error('the gateway never routed Increment to the bench bundle');
      await sleep(200);
    }
    const tag = `rt-${telemetry}-${randomBytes(2).toString('hex')}`;
    await commandRoundTrips(nc, { commands: 50 }, `${tag}-warm`);
    progress(`command round trips, gateway telemetry ${telemetry === 'true' ? 'on' : 'off'}`);
    const half = { commands: Math.ceil(options.commands / 2) };
    latencies[telemetry === 'true' ? 'on' : 'off'].push(...(await commandRoundTrips(nc, half, tag)));
    await gateway.child.stop();
  }
  return { on: summarize(latencies.on), off: summarize(latencies.off) };
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
  for (const app of ['telemetry', 'event-store', 'registry', 'gateway']) {
    if (!existsSync(entryOf(app))) throw new Error(`dist/ has no ${app} app: run npm run build`);
  }
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

  let roundTrip = null;
  if (options.roundTrip) roundTrip = await roundTripComparison(nc, databaseUrl, natsUrl, options);

  const results = {
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg().map((v) => round(v, 2)) },
    options: { ...options, out: undefined },
    bytesPerBatch,
    raw: { ...raw, samplesPerSec: round(raw.samplesPerSec, 0) },
    telemetry: { ...ingest, samplesPerSec: round(ingest.samplesPerSec, 0), storedInRollups: stored },
    ratio: round(ingest.samplesPerSec / raw.samplesPerSec, 3),
    roundTrip: roundTrip && {
      ...roundTrip,
      p50Ratio: round(roundTrip.on.p50Ms / roundTrip.off.p50Ms, 3),
      p99Ratio: round(roundTrip.on.p99Ms / roundTrip.off.p99Ms, 3),
    },
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
      ...(results.roundTrip
        ? [
            `domain command round trip through gateway, event store and a bundle (${options.commands} sequential commands)`,
            table(
              ['gateway telemetry', 'p50 ms', 'p99 ms', 'max ms'],
              [
                [
                  'off',
                  fmtMs(results.roundTrip.off.p50Ms),
                  fmtMs(results.roundTrip.off.p99Ms),
                  fmtMs(results.roundTrip.off.maxMs),
                ],
                [
                  'on',
                  fmtMs(results.roundTrip.on.p50Ms),
                  fmtMs(results.roundTrip.on.p99Ms),
                  fmtMs(results.roundTrip.on.maxMs),
                ],
                ['on / off', fmtRatio(results.roundTrip.p50Ratio), fmtRatio(results.roundTrip.p99Ratio), ''],
              ],
            ),
            '',
          ]
        : []),
    ].join('\n'),
  );
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(runCleanups);
