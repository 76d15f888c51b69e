#!/usr/bin/env node
// Benchmark of the gateway's domain commands: npm run bench:gateway [-- options]
//
// Starts the built event-store, registry and gateway apps (node dist/apps/<app>/src/main.js),
// each on a fresh database, and a simulated counter bundle (bench/simulated-bundle.mjs, a child
// process speaking the registry protocol with a plain NATS client). Clients in this process send
// `Increment` domain commands to the gateway and await the reply; each command runs the whole
// flow: client -> gateway -> event store (story) -> bundle -> event store (append) -> reply.
// Each figure is printed beside a floor measured in the same run on the same machine:
//
//   the same clients each doing, in sequence, the 4 request/reply round trips of that flow
//   against a trivial echo responder (in the bundle's process) plus one raw pg single-row
//   INSERT ... RETURNING (autocommit) into a copy of event_store.events
//
// at 1, 16 and 64 concurrent clients (each on its own aggregate), and 64 clients sharing 8
// aggregates (commands on one aggregate queue behind each other in the gateway).
//
// Results go to stdout as tables and to bench/results/gateway.json; progress goes to stderr.
// By default the apps and the bench talk over a private nats-server started on a free port;
// --nats[=url] uses an existing server instead.

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import pg from 'pg';
import {
  ADMIN_URL,
  ROOT,
  benchNats,
  buildIfNeeded,
  closedLoop,
  connectNats,
  createRawTable,
  describeMachine,
  dropDatabase,
  fmtInt,
  fmtMs,
  fmtRatio,
  freePort,
  freshDatabaseUrl,
  machineBusyOver,
  machineLines,
  now,
  onCleanup,
  openPool,
  parseFlags,
  peakMemory,
  progress,
  request,
  round,
  runMain,
  sleep,
  startApp,
  startChild,
  summarize,
  table,
} from './support.mjs';

const APPS = ['event-store', 'registry', 'gateway'];
const BUNDLE_ID = 'bench-counter';
const SUBJECTS = {
  command: 'evento.v1.gateway.commands.send',
  routes: 'evento.v1.gateway.routing.table',
};
/** The flow's request/reply round trips: client->gateway, ->story, ->bundle, ->append. */
const HOPS = 4;
const COMMAND_TIMEOUT_MS = 30_000;

const USAGE = `Usage: npm run bench:gateway [-- options]

  --quick               short run: 2 s per point, 2 s app warm-up
  --duration=<s>        measured seconds per point (default 5; quick 2)
  --warmup=<s>          unmeasured seconds before each point (default 0.5; quick 0.3)
  --app-warmup=<s>      unmeasured commands (16 clients) after the apps start (default 5; quick 2)
  --clients=<list>      concurrent clients per point, each on its own aggregate (default 1,16,64)
  --shared=<c>:<a>      also <c> clients sharing <a> aggregates (default 64:8; 0 to skip)
  --snapshot-every=<n>  the bundle returns a snapshot every n versions (default 10; 0: never, and
                        the stories grow with every command)
  --telemetry           run the gateway with GATEWAY_TELEMETRY=true (default false: no telemetry
                        app runs here, so its samples would only cost CPU)
  --nats[=<url>]        use this NATS server (default: NATS_URL or nats://127.0.0.1:4222)
                        instead of a private nats-server started for the bench
  --no-build            do not run npm run build even if the sources are newer than dist/
  --out=<file>          JSON results (default bench/results/gateway.json)

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the
server the fresh databases are created on; DATABASE_POOL_SIZE passes to the apps;
BENCH_APP_NODE_ARGS adds node options to the apps (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
`;

function parseOptions(argv) {
  const { flags, number, list, natsUrl } = parseFlags(
    argv,
    [
      'quick',
      'duration',
      'warmup',
      'app-warmup',
      'clients',
      'shared',
      'snapshot-every',
      'telemetry',
      'nats',
      'no-build',
      'out',
    ],
    USAGE,
  );
  const quick = flags.has('quick');
  const clients = list('clients', ['1', '16', '64']).map(Number);
  if (clients.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) throw new Error('--clients must be 1..256 each');
  let shared = null;
  const sharedFlag = String(flags.get('shared') ?? '64:8');
  if (sharedFlag !== '0') {
    const match = /^(\d+):(\d+)$/.exec(sharedFlag);
    const [c, a] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
    if (!match || c < 1 || c > 256 || a < 1 || a > c) {
      throw new Error('--shared must be <clients>:<aggregates> with 1 <= aggregates <= clients <= 256, or 0');
    }
    shared = { clients: c, aggregates: a };
  }
  return {
    quick,
    durationMs: number('duration', quick ? 2 : 5, { min: 0.1 }) * 1000,
    warmupMs: number('warmup', quick ? 0.3 : 0.5) * 1000,
    appWarmupMs: number('app-warmup', quick ? 2 : 5) * 1000,
    clients,
    shared,
    snapshotEvery: number('snapshot-every', 10, { integer: true }),
    telemetry: flags.has('telemetry'),
    natsUrl: natsUrl(),
    build: !flags.has('no-build'),
    out: flags.has('out') ? String(flags.get('out')) : join(ROOT, 'bench', 'results', 'gateway.json'),
  };
}

// ---------------------------------------------------------------------------------------------
// The suite: three apps and the simulated bundle
// ---------------------------------------------------------------------------------------------

async function startSuite(admin, natsUrl, nc, options) {
  const databases = {};
  for (const app of APPS) {
    databases[app] = freshDatabaseUrl();
    onCleanup(() => dropDatabase(admin, databases[app]));
  }
  const eventStore = await startApp('event-store', { databaseUrl: databases['event-store'], natsUrl, nc });
  const registry = await startApp('registry', { databaseUrl: databases.registry, natsUrl, nc });
  // A known port, to read the gateway's phase histograms at /metrics.
  const gatewayPort = await freePort();
  const gateway = await startApp('gateway', {
    databaseUrl: databases.gateway,
    natsUrl,
    nc,
    env: {
      HTTP_PORT: String(gatewayPort),
      GATEWAY_TELEMETRY: String(options.telemetry),
    },
  });
  gateway.metricsUrl = `http://127.0.0.1:${gatewayPort}/metrics`;
  const echoSubject = `bench.floor.echo.${randomBytes(4).toString('hex')}`;
  const bundle = await startBundle(natsUrl, nc, options.snapshotEvery, echoSubject);
  return { databases, eventStore, registry, gateway, bundle, echoSubject };
}

async function startBundle(natsUrl, nc, snapshotEvery, echoSubject) {
  const started = Date.now();
  const child = startChild(
    'simulated bundle',
    process.execPath,
    [join(ROOT, 'bench', 'simulated-bundle.mjs'), natsUrl, BUNDLE_ID, String(snapshotEvery), echoSubject],
    process.env,
  );
  onCleanup(() => child.stop());
  let instanceId;
  while (!instanceId) {
    instanceId = /^ready (\S+) /m.exec(child.output())?.[1];
    if (instanceId) break;
    if (!child.running) throw new Error(`the simulated bundle exited during start:\n${child.output()}`);
    if (Date.now() - started > 30_000) throw new Error(`the simulated bundle not ready in 30 s:\n${child.output()}`);
    await sleep(100);
  }
  // Enabled at the registry; ready once the gateway's copy of the routing table has it.
  for (;;) {
    const routed = await request(nc, SUBJECTS.routes, { payload: 'Increment' }, 2000)
      .then(({ data }) => data.routes.some((route) => route.instances.includes(instanceId)))
      .catch(() => false);
    if (routed) break;
    if (!child.running) throw new Error(`the simulated bundle exited:\n${child.output()}`);
    if (Date.now() - started > 30_000) throw new Error(`the gateway does not route Increment to ${instanceId} in 30 s`);
    await sleep(100);
  }
  progress(
    `simulated bundle ${instanceId} routed in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid})`,
  );
  return { child, instanceId };
}

// ---------------------------------------------------------------------------------------------
// The gateway's own measurements (Prometheus text at /metrics)
// ---------------------------------------------------------------------------------------------

/** Sums and counts of the domain-command phase histograms, and the conflicts counter. */
async function scrapeGateway(url) {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
    const phases = {};
    const series = /^evento_gateway_request_phase_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm;
    for (const [, what, labels, value] of text.matchAll(series)) {
      if (!labels.includes('kind="domain-command"')) continue;
      const phase = /phase="([^"]+)"/.exec(labels)?.[1];
      if (!phase) continue;
      phases[phase] ??= { sum: 0, count: 0 };
      phases[phase][what] += Number(value);
    }
    const conflicts = Number(/^evento_gateway_version_conflicts_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
    return { phases, conflicts };
  } catch (error) {
    progress(`could not read ${url}: ${error.message}`);
    return null;
  }
}

/** Mean milliseconds per command of each phase between two scrapes. */
function phaseMeans(before, after) {
  if (!before || !after) return null;
  const means = {};
  for (const [phase, end] of Object.entries(after.phases)) {
    const start = before.phases[phase] ?? { sum: 0, count: 0 };
    const count = end.count - start.count;
    means[phase] = count > 0 ? round(((end.sum - start.sum) / count) * 1000, 2) : null;
  }
  return { meansMs: means, conflicts: after.conflicts - before.conflicts };
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

/** Creates the counters (unmeasured), a few at a time. */
async function createCounters(nc, ids) {
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: Math.min(16, ids.length) }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        await request(
          nc,
          SUBJECTS.command,
          { command: 'CreateCounter', aggregateId: id, payload: {} },
          COMMAND_TIMEOUT_MS,
        );
      }
    }),
  );
}

/**
 * Clients sending Increment, client i on aggregate i mod `ids.length`. Every acknowledged
 * version is kept per aggregate, to check afterwards that none was given twice or lost.
 */
function incrementClients(nc, ids, acked) {
  for (const id of ids) acked.set(id, []);
  return (client) => {
    const aggregateId = ids[client % ids.length];
    const body = { command: 'Increment', aggregateId, payload: { by: 1 } };
    return async () => {
      const { data } = await request(nc, SUBJECTS.command, body, COMMAND_TIMEOUT_MS);
      acked.get(aggregateId).push(data.event.aggregateVersion);
    };
  };
}

/** What the event store holds for the aggregates, against what the clients were told. */
async function checkAggregates(db, acked) {
  const ids = [...acked.keys()];
  const { rows } = await db.query(
    `SELECT aggregate_id, count(*)::int AS events, max(aggregate_version)::int AS version
       FROM event_store.events WHERE aggregate_id = ANY($1) GROUP BY aggregate_id`,
    [ids],
  );
  const stored = new Map(rows.map((row) => [row.aggregate_id, row]));
  const problems = [];
  for (const [id, versions] of acked) {
    const row = stored.get(id) ?? { events: 0, version: 0 };
    const distinct = new Set(versions).size;
    // CreateCounter is version 1; each acknowledged Increment one more.
    if (distinct !== versions.length) problems.push(`${id}: ${versions.length - distinct} versions acknowledged twice`);
    if (row.events !== row.version) problems.push(`${id}: ${row.events} events up to version ${row.version} (a gap)`);
    if (row.version !== versions.length + 1) {
      problems.push(`${id}: version ${row.version} stored, ${versions.length} increments acknowledged`);
    }
  }
  return problems;
}

const FLOOR_INSERT = `INSERT INTO public.bench_raw
  (event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
  VALUES ($1, $2, $3, 'default', 'Incremented', $4::jsonb, $5::jsonb) RETURNING position`;

/**
 * Floor clients: each does, in sequence, HOPS raw request/reply round trips to the echo
 * responder (the command's body, echoed back) and one autocommit INSERT of an event-shaped row
 * on a connection of its own. `parts` gets [doneAt, natsMs, insertMs] per operation.
 */
function floorClients(nc, pool, echoSubject, tag, parts) {
  return (client) => {
    const aggregateId = `${tag}-${client}`;
    const body = JSON.stringify({ command: 'Increment', aggregateId, payload: { by: 1 } });
    let version = 0;
    return async () => {
      const started = now();
      for (let hop = 0; hop < HOPS; hop++) await nc.request(echoSubject, body, { timeout: COMMAND_TIMEOUT_MS });
      const hopsDone = now();
      version += 1;
      await pool.query(FLOOR_INSERT, [
        `${tag}-${client}-${version}`,
        aggregateId,
        version,
        JSON.stringify({ value: version }),
        JSON.stringify({
          evento: {
            requestId: randomBytes(16).toString('hex'),
            correlationId: randomBytes(16).toString('hex'),
            command: 'Increment',
            bundleId: BUNDLE_ID,
            instanceId: `${BUNDLE_ID}-000000`,
          },
        }),
      ]);
      const done = now();
      parts.push([done, hopsDone - started, done - hopsDone]);
    };
  };
}

function meterOf(suite, natsPid) {
  return {
    children: {
      gateway: suite.gateway.child.pid,
      'event-store': suite.eventStore.child.pid,
      registry: suite.registry.child.pid,
      bundle: suite.bundle.child.pid,
      ...(natsPid ? { nats: natsPid } : {}),
    },
    database: new URL(suite.databases['event-store']).pathname.slice(1),
  };
}

async function floorPoint(ctx, options, clients) {
  const { nc, suite } = ctx;
  const tag = `floor-${clients}-${randomBytes(2).toString('hex')}`;
  const pool = await openPool(pg, suite.databases['event-store'], clients);
  try {
    const parts = [];
    const result = await closedLoop({
      workers: clients,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      makeOp: floorClients(nc, pool, suite.echoSubject, tag, parts),
      meter: ctx.meter,
    });
    const inWindow = parts.filter(([doneAt]) => doneAt >= result.window.start && doneAt <= result.window.end);
    result.nats = summarize(inWindow.map(([, natsMs]) => natsMs));
    result.insert = summarize(inWindow.map(([, , insertMs]) => insertMs));
    return result;
  } finally {
    await pool.end();
  }
}

async function suitePoint(ctx, options, clients, aggregates) {
  const { nc, db, suite } = ctx;
  const tag = `cmd-${clients}-${aggregates}-${randomBytes(2).toString('hex')}`;
  const ids = Array.from({ length: aggregates }, (_, i) => `${tag}-${i}`);
  await createCounters(nc, ids);
  const acked = new Map();
  const before = await scrapeGateway(suite.gateway.metricsUrl);
  const result = await closedLoop({
    workers: clients,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    makeOp: incrementClients(nc, ids, acked),
    meter: ctx.meter,
  });
  result.gateway = phaseMeans(before, await scrapeGateway(suite.gateway.metricsUrl));
  result.integrity = await checkAggregates(db, acked);
  result.commandsAcknowledged = [...acked.values()].reduce((sum, versions) => sum + versions.length, 0);
  return result;
}

async function warmUp(ctx, options) {
  progress(`warming up for ${options.appWarmupMs / 1000} s: 16 clients sending Increment, then the floor`);
  const ids = Array.from({ length: 16 }, (_, i) => `warmup-${i}`);
  await createCounters(ctx.nc, ids);
  const warm = await closedLoop({
    workers: 16,
    warmupMs: 0,
    durationMs: options.appWarmupMs,
    makeOp: incrementClients(ctx.nc, ids, new Map()),
  });
  if (warm.errors) throw new Error(`the warm-up failed: ${warm.errors} errors, e.g. ${warm.firstError}`);
  await floorPoint(ctx, { warmupMs: 0, durationMs: Math.min(1000, options.appWarmupMs) }, 16);
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function header(machine, options) {
  return [
    'Evento gateway benchmark: domain command round trip',
    ...machineLines(machine),
    `run       ${options.quick ? 'quick' : 'full'}: ${options.durationMs / 1000} s per point after ${options.warmupMs / 1000} s warm-up; ` +
      `bundle snapshot every ${options.snapshotEvery || 'never'} versions; GATEWAY_TELEMETRY=${options.telemetry}; ` +
      `apps DATABASE_POOL_SIZE=${process.env.DATABASE_POOL_SIZE ?? 10}`,
  ].join('\n');
}

const label = (r) => (r.aggregates === r.clients ? 'own' : `${r.aggregates} shared`);

function mainTable(rows) {
  return table(
    [
      'clients',
      'aggregates',
      'commands/s',
      'p50 ms',
      'p99 ms',
      'floor ops/s',
      'p50 ms',
      'p99 ms',
      'suite/floor: ops/s',
      'p50',
      'p99',
    ],
    rows.map((r) => [
      r.clients,
      label(r),
      fmtInt(r.suite.opsPerSec) + (r.suite.errors ? ` (${r.suite.errors} errors)` : ''),
      fmtMs(r.suite.p50Ms),
      fmtMs(r.suite.p99Ms),
      fmtInt(r.floor.opsPerSec) + (r.floor.errors ? ` (${r.floor.errors} errors)` : ''),
      fmtMs(r.floor.p50Ms),
      fmtMs(r.floor.p99Ms),
      fmtRatio(r.ratio.throughput),
      fmtRatio(r.ratio.p50),
      fmtRatio(r.ratio.p99),
    ]),
  );
}

function phasesTable(rows) {
  const ms = (r, phase) => fmtMs(r.suite.gateway?.meansMs[phase] ?? null);
  return table(
    ['clients', 'aggregates', 'wait', 'load', 'bundle', 'append', 'gateway total', 'client p50', 'conflicts'],
    rows.map((r) => [
      r.clients,
      label(r),
      ms(r, 'wait'),
      ms(r, 'load'),
      ms(r, 'bundle'),
      ms(r, 'append'),
      ms(r, 'total'),
      fmtMs(r.suite.p50Ms),
      r.suite.gateway?.conflicts ?? '-',
    ]),
  );
}

function floorTable(rows) {
  const seen = new Set();
  const out = [];
  for (const r of rows) {
    if (seen.has(r.floor)) continue;
    seen.add(r.floor);
    out.push([
      r.clients,
      fmtMs(r.floor.nats.p50Ms),
      fmtMs(r.floor.nats.p99Ms),
      fmtMs(r.floor.insert.p50Ms),
      fmtMs(r.floor.insert.p99Ms),
      fmtMs(r.floor.p50Ms),
      fmtMs(r.floor.p99Ms),
    ]);
  }
  return table(['clients', `${HOPS} round trips p50`, 'p99', 'insert p50', 'p99', 'floor p50', 'p99'], out);
}

const CPU_NAMES = ['client', 'gateway', 'event-store', 'registry', 'bundle', 'nats', 'postgres'];

function cpuTable(rows) {
  const out = [];
  const seen = new Set();
  const line = (r, what, point) => {
    const cpu = point.cpuSeconds;
    const known = CPU_NAMES.filter((name) => typeof cpu[name] === 'number');
    const total = known.reduce((sum, name) => sum + cpu[name], 0);
    const ops = point.opsPerSec * point.seconds || 0;
    return [
      r.clients,
      what === 'suite' ? label(r) : 'floor',
      ...CPU_NAMES.map((name) => (typeof cpu[name] === 'number' ? cpu[name].toFixed(2) : '-')),
      total.toFixed(2),
      ops > 0 ? fmtInt((total * 1e6) / ops) : '-',
      point.machineBusyPct ?? '-',
    ];
  };
  for (const r of rows) {
    if (!seen.has(r.floor)) {
      seen.add(r.floor);
      out.push(line(r, 'floor', r.floor));
    }
    out.push(line(r, 'suite', r.suite));
  }
  return table(['clients', 'run', ...CPU_NAMES, 'total s', 'us/op', 'busy%'], out);
}

function report(results, options) {
  const lines = [header(results.machine, options), ''];
  lines.push(
    'Domain command round trip: each client sends Increment to the gateway and awaits the stored event, in a loop;',
    `the gateway loads the story, the bundle decides, the gateway appends (and every ${options.snapshotEvery || '-'}th version saves a snapshot).`,
    `Floor: each client does ${HOPS} raw NATS request/reply round trips to an echo responder, then one raw pg INSERT`,
    '(autocommit, event-shaped row, a copy of event_store.events), in sequence. ops/s = completed operations per second.',
    '',
    mainTable(results.points),
    '',
    'Where the gateway spent the time: mean ms per command from its phase histograms (the point incl. its warm-up);',
    'wait = queued behind commands on the same aggregate, load = story, bundle = work round trip, append = append + snapshot.',
    'Conflicts: appends refused on the version (only another gateway can cause one; one gateway serialises per aggregate).',
    '',
    phasesTable(results.points),
    '',
    'Floor parts',
    '',
    floorTable(results.points),
    '',
    'CPU seconds per process during the measured window (client = this bench process; bundle = the simulated bundle,',
    'which also answers the floor echo; postgres = backends of the event-store database + server processes);',
    'us/op = all of them per operation; busy% = whole machine.',
    '',
    cpuTable(results.points),
    '',
  );
  const checked = results.points.reduce((sum, r) => sum + r.suite.commandsAcknowledged, 0);
  const broken = results.points.filter((r) => r.suite.integrity.length > 0).length;
  lines.push(
    `Stored vs replied: ${checked} acknowledged Increments checked against the event store (versions contiguous,` +
      ` one event per acknowledged command, no version acknowledged twice): ${broken === 0 ? 'all match' : `${broken} point(s) DO NOT MATCH`}`,
    '',
  );
  if (results.warnings.length > 0) lines.push(...results.warnings.map((w) => `WARNING: ${w}`), '');
  lines.push(`total ${results.totalSeconds} s; JSON: ${relative(ROOT, options.out) || options.out}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (!isAbsolute(options.out)) options.out = join(process.cwd(), options.out);
  const startedAt = new Date();
  for (const app of APPS) {
    if (options.build) await buildIfNeeded(app);
  }

  const { url: natsUrl, pid: natsPid, info: natsInfo } = await benchNats(options.natsUrl);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => {});
  await admin.connect();
  onCleanup(() => admin.end());
  const nc = await connectNats(natsUrl, 'evento-bench-clients');
  onCleanup(() => nc.close());

  const machine = await describeMachine(admin, nc, natsInfo);
  machine.busyPctBeforeStart = await machineBusyOver(1000);
  process.stdout.write(`${header(machine, options)}\n\n`);

  const suite = await startSuite(admin, natsUrl, nc, options);
  const db = new pg.Client({ connectionString: suite.databases['event-store'] });
  // Ctrl-C drops the database under this connection; the error is expected then.
  db.on('error', () => {});
  await db.connect();
  onCleanup(() => db.end());
  await createRawTable(db);

  const results = {
    startedAt: startedAt.toISOString(),
    machine,
    options: { ...options, out: undefined },
    apps: Object.fromEntries(
      [
        ['event-store', suite.eventStore],
        ['registry', suite.registry],
        ['gateway', suite.gateway],
      ].map(([name, app]) => [name, { instanceId: app.instanceId, version: app.version }]),
    ),
    points: [],
    warnings: [],
  };
  const ctx = { nc, db, suite, meter: meterOf(suite, natsPid) };
  await warmUp(ctx, options);

  const floors = new Map();
  const points = options.clients.map((clients) => ({ clients, aggregates: clients }));
  if (options.shared) points.push(options.shared);
  for (const { clients, aggregates } of points) {
    let floor = floors.get(clients);
    if (!floor) {
      progress(`${clients} client(s): floor (${HOPS} NATS round trips + 1 INSERT)`);
      floor = await floorPoint(ctx, options, clients);
      floor.seconds = options.durationMs / 1000;
      floors.set(clients, floor);
    }
    progress(`${clients} client(s) on ${aggregates} aggregate(s): Increment through the gateway`);
    const measured = await suitePoint(ctx, options, clients, aggregates);
    measured.seconds = options.durationMs / 1000;
    const ratio = {
      throughput: floor.opsPerSec > 0 ? round(measured.opsPerSec / floor.opsPerSec, 2) : null,
      p50: floor.p50Ms > 0 ? round(measured.p50Ms / floor.p50Ms, 2) : null,
      p99: floor.p99Ms > 0 ? round(measured.p99Ms / floor.p99Ms, 2) : null,
    };
    results.points.push({ clients, aggregates, suite: measured, floor, ratio });
    progress(
      `  ${fmtInt(measured.opsPerSec)} commands/s (p50 ${fmtMs(measured.p50Ms)} ms, p99 ${fmtMs(measured.p99Ms)} ms) ` +
        `vs floor ${fmtInt(floor.opsPerSec)}/s (p50 ${fmtMs(floor.p50Ms)} ms)`,
    );
  }

  for (const r of results.points) {
    const where = `${r.clients} client(s) on ${label(r)} aggregates`;
    if (r.suite.errors) results.warnings.push(`${where}: ${r.suite.errors} errors, e.g. ${r.suite.firstError}`);
    if (r.suite.integrity.length) {
      results.warnings.push(
        `${where}: the store does not match the replies: ${r.suite.integrity.slice(0, 3).join('; ')}` +
          (r.suite.integrity.length > 3 ? ` (+${r.suite.integrity.length - 3} more)` : ''),
      );
    }
  }
  for (const [clients, floor] of floors) {
    if (floor.errors) results.warnings.push(`floor ${clients}: ${floor.errors} errors, e.g. ${floor.firstError}`);
  }
  if (results.machine.busyPctBeforeStart > 20) {
    results.warnings.push(
      `the machine was ${results.machine.busyPctBeforeStart}% busy before the bench started: other load shares the CPU`,
    );
  }

  // Stop in reverse order of start; an app that does not exit cleanly is worth knowing.
  for (const [name, child] of [
    ['simulated bundle', suite.bundle.child],
    ['gateway', suite.gateway.child],
    ['registry', suite.registry.child],
    ['event-store', suite.eventStore.child],
  ]) {
    const exit = await child.stop();
    if (exit.code !== 0) results.warnings.push(`${name} exited with ${exit.signal ?? exit.code}`);
  }

  results.memory = peakMemory();
  results.totalSeconds = round((Date.now() - startedAt.getTime()) / 1000, 0);
  results.machine.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  const text = report(results, options);
  // The header was printed at the start; print the rest.
  process.stdout.write(`${text.slice(text.indexOf('\n\n') + 2)}\n`);
}

await runMain(main);
