#!/usr/bin/env node
// Benchmark of a bundle written with @evento/sdk: npm run bench:sdk [-- --samples=N --no-build]
//
// Starts the built event-store, registry and gateway (dist/apps/*) on a fresh database, under a
// subject prefix of their own on the NATS at NATS_URL (default nats://127.0.0.1:4222), and runs
// in this process a bundle built with the SDK (dist/libs/sdk): one aggregate, one projector
// writing a Postgres read model in the checkpoint's transaction. Measured, one request at a time,
// each beside a baseline measured in the same run:
//
//   domain command round trip (SDK command gateway → gateway → event store → bundle → append)
//       vs  floor: a raw NATS request/reply round trip plus one raw Postgres INSERT
//   append-to-view: command reply → the projector applied that event (waitForPosition)
//       vs  a raw NATS publish → subscriber hop
//
// Results go to stdout as a table and to bench/results/sdk.json; progress to stderr.

import { connect } from '@nats-io/transport-node';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  ROOT,
  buildIfNeeded,
  entryOf,
  fmtMs,
  now,
  onCleanup,
  progress,
  request,
  runCleanups,
  sleep,
  startChild,
  summarize,
  table,
} from './support.mjs';

const USAGE = `Usage: npm run bench:sdk [-- options]

  --samples=<n>   measured commands (default 300)
  --warmup=<n>    unmeasured commands first (default 50)
  --no-build      use dist/ as it is
  --out=<file>    results file (default bench/results/sdk.json)
`;

function options() {
  const flags = new Map(
    process.argv.slice(2).map((arg) => {
      const [name, value] = arg.replace(/^--/, '').split('=');
      return [name, value ?? true];
    }),
  );
  if (flags.has('help')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  for (const name of flags.keys()) {
    if (!['samples', 'warmup', 'no-build', 'out'].includes(name)) {
      throw new Error(`unknown option --${name}\n\n${USAGE}`);
    }
  }
  const count = (name, fallback) => {
    const value = flags.has(name) ? Number(flags.get(name)) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1`);
    return value;
  };
  return {
    samples: count('samples', 300),
    warmup: count('warmup', 50),
    build: !flags.has('no-build'),
    out: flags.has('out') ? String(flags.get('out')) : join(ROOT, 'bench', 'results', 'sdk.json'),
  };
}

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function startApps(databaseUrl, prefix, nc) {
  const apps = [];
  for (const app of ['event-store', 'registry', 'gateway']) {
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      DATABASE_URL: databaseUrl,
      NATS_URL,
      NATS_SUBJECT_PREFIX: prefix,
      GATEWAY_TELEMETRY: 'false',
    };
    const child = startChild(app, process.execPath, [entryOf(app)], env);
    onCleanup(() => child.stop());
    const started = Date.now();
    for (;;) {
      try {
        await request(nc, `${prefix}.evento.v1.${app}.system.ping`, {}, 1000);
        break;
      } catch {
        if (!child.running) throw new Error(`${app} exited during boot:\n${child.output()}`);
        if (Date.now() - started > 60_000) throw new Error(`${app} not ready in 60 s:\n${child.output()}`);
        await sleep(200);
      }
    }
    progress(`${app} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    apps.push(child);
  }
  return apps;
}

/** The bench bundle, declared with the SDK's decorators called as functions (plain JavaScript). */
function benchComponents(sdk, validator, pool) {
  class OpenCounter extends sdk.DomainCommand {
    getAggregateId() {
      return this.counterId;
    }
  }
  class Bump extends sdk.DomainCommand {
    getAggregateId() {
      return this.counterId;
    }
  }
  class CounterOpened extends sdk.DomainEvent {}
  class Bumped extends sdk.DomainEvent {}
  for (const type of [OpenCounter, Bump]) validator.Matches(/^[a-z0-9-]{1,64}$/)(type.prototype, 'counterId');

  class Counter {
    open(command) {
      return CounterOpened.of({ counterId: command.counterId });
    }
    bump(command, state) {
      return Bumped.of({ counterId: command.counterId, value: state.value + 1 });
    }
    opened() {
      return { value: 0 };
    }
    bumped(event) {
      return { value: event.value };
    }
  }
  sdk.AggregateCommandHandler({ payload: OpenCounter, returns: CounterOpened, init: true })(Counter.prototype, 'open');
  sdk.AggregateCommandHandler({ payload: Bump, returns: Bumped })(Counter.prototype, 'bump');
  sdk.EventSourcingHandler({ payload: CounterOpened })(Counter.prototype, 'opened');
  sdk.EventSourcingHandler({ payload: Bumped })(Counter.prototype, 'bumped');
  sdk.Aggregate({ snapshotFrequency: 100 })(Counter);

  class CounterView {
    async opened(event, context) {
      await context.db.query('INSERT INTO bench.counter (counter_id, value) VALUES ($1, 0)', [event.counterId]);
    }
    async bumped(event, context) {
      await context.db.query('UPDATE bench.counter SET value = $2 WHERE counter_id = $1', [
        event.counterId,
        event.value,
      ]);
    }
  }
  sdk.EventHandler({ payload: CounterOpened })(CounterView.prototype, 'opened');
  sdk.EventHandler({ payload: Bumped })(CounterView.prototype, 'bumped');
  sdk.Projector({ version: 1, waitForHeadReached: true })(CounterView);

  return { components: [new Counter(), new CounterView()], OpenCounter, Bump, pool };
}

async function baselines(nc, pool, samples) {
  const subject = `bench-sdk-echo-${randomBytes(4).toString('hex')}`;
  const echo = nc.subscribe(subject, { callback: (_error, msg) => msg.respond(msg.data) });
  const hop = nc.subscribe(`${subject}.hop`, { callback: (_error, msg) => hopArrived?.(msg) });
  let hopArrived;
  await nc.flush();
  const floor = [];
  const hops = [];
  for (let i = 0; i < samples; i += 1) {
    const started = now();
    await nc.request(subject, JSON.stringify({ i }), { timeout: 5_000 });
    await pool.query('INSERT INTO bench.raw (id, body) VALUES ($1, $2)', [randomUUID(), JSON.stringify({ i })]);
    floor.push(now() - started);
    const sent = now();
    const arrived = new Promise((resolve) => (hopArrived = resolve));
    nc.publish(`${subject}.hop`, JSON.stringify({ i }));
    await arrived;
    hops.push(now() - sent);
  }
  echo.unsubscribe();
  hop.unsubscribe();
  return { floor: summarize(floor), hop: summarize(hops) };
}

async function main() {
  const opts = options();
  if (opts.build) for (const app of ['event-store', 'registry', 'gateway']) await buildIfNeeded(app);
  const require = createRequire(import.meta.url);
  const sdk = require(join(ROOT, 'dist', 'libs', 'sdk', 'src', 'index.js'));
  const validator = require('class-validator');

  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const dbName = `evento_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${dbName}"`);
  onCleanup(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  onCleanup(() => pool.end());
  await pool.query('CREATE SCHEMA bench');
  await pool.query('CREATE TABLE bench.counter (counter_id text PRIMARY KEY, value integer NOT NULL)');
  await pool.query('CREATE TABLE bench.raw (id uuid PRIMARY KEY, body jsonb NOT NULL)');

  const prefix = `bench-sdk-${randomBytes(4).toString('hex')}`;
  const nc = await connect({ servers: NATS_URL, name: 'evento-bench-sdk' });
  onCleanup(() => nc.close());
  await startApps(databaseUrl, prefix, nc);

  const { components, OpenCounter, Bump } = benchComponents(sdk, validator, pool);
  const bundle = new sdk.EventoBundle({
    bundleId: 'bench',
    bundleVersion: '1.0.0',
    servers: NATS_URL,
    subjectPrefix: prefix,
    components,
    store: { postgres: { url: databaseUrl, schema: 'bench_bundle' } },
    telemetry: { enabled: false },
    logger: { log: () => undefined, warn: progress, error: progress },
  });
  onCleanup(() => bundle.stop());
  await bundle.start();
  await bundle.enabled();
  const projector = bundle.consumer('CounterView');
  // Let the gateway load the routing table that names the bundle.
  for (let i = 0; ; i += 1) {
    try {
      await bundle.commandGateway.send(OpenCounter.of({ counterId: 'c0' }));
      break;
    } catch (error) {
      if (i > 100) throw error;
      await sleep(100);
    }
  }
  const counters = ['c0'];
  for (let i = 1; i < 10; i += 1) {
    await bundle.commandGateway.send(OpenCounter.of({ counterId: `c${i}` }));
    counters.push(`c${i}`);
  }

  progress(`${opts.warmup} warm-up commands, then ${opts.samples} measured`);
  const roundTrips = [];
  const toView = [];
  const total = [];
  for (let i = 0; i < opts.warmup + opts.samples; i += 1) {
    const started = now();
    const result = await bundle.commandGateway.send(Bump.of({ counterId: counters[i % counters.length] }));
    const replied = now();
    await projector.waitForPosition(result.event.position);
    const viewed = now();
    if (i >= opts.warmup) {
      roundTrips.push(replied - started);
      toView.push(viewed - replied);
      total.push(viewed - started);
    }
  }
  const base = await baselines(nc, pool, opts.samples);
  const results = {
    machine: { cpus: os.cpus().length, node: process.version, nats: NATS_URL },
    at: new Date().toISOString(),
    samples: opts.samples,
    commandRoundTrip: summarize(roundTrips),
    commandFloor: base.floor,
    appendToView: summarize(toView),
    commandToView: summarize(total),
    natsHop: base.hop,
  };
  const row = (name, figures, baselineName, baseline) => [
    name,
    fmtMs(figures.p50Ms),
    fmtMs(figures.p99Ms),
    baselineName,
    baseline ? fmtMs(baseline.p50Ms) : '',
    baseline ? fmtMs(baseline.p99Ms) : '',
  ];
  process.stdout.write(
    `${table(
      ['measure (ms, one at a time)', 'p50', 'p99', 'baseline', 'p50', 'p99'],
      [
        row('domain command round trip', results.commandRoundTrip, 'NATS req/reply + pg INSERT', base.floor),
        row('append-to-view (after the reply)', results.appendToView, 'NATS publish -> subscriber', base.hop),
        row('command sent -> view updated', results.commandToView, '', null),
      ],
    )}\n`,
  );
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  progress(`results in ${opts.out}`);
}

process.on('SIGINT', () => void runCleanups().then(() => process.exit(130)));
main()
  .then(runCleanups)
  .catch(async (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    await runCleanups();
    process.exit(1);
  });
