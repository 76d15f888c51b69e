#!/usr/bin/env node
// Benchmark of a bundle written with @evento/sdk: npm run bench:sdk [-- options]
//
// Starts the built event-store, registry and gateway (dist/apps/*) on a fresh database, on a
// private nats-server by default (--nats uses an existing one), and runs in this process a
// bundle built with the SDK (dist/libs/sdk): one aggregate, one projector writing a Postgres read
// model in the checkpoint's transaction. Measured, each beside a baseline from the same run:
//
//   domain command round trip, one at a time (SDK command gateway → gateway → event store
//   (story) → bundle → event store (append) → reply)
//       vs  floor: the same 4 raw NATS request/reply round trips plus one raw Postgres INSERT
//   the same at 16 and 64 concurrent clients (closed loop, each on its own aggregate; the
//   projector is paused meanwhile, so the figures are the command path's)
//       vs  the floor at the same concurrency
//   append-to-view: command reply → the projector applied that event (waitForPosition)
//       vs  a raw NATS publish → subscriber hop
//   consumer catch-up: N events seeded, an SDK projector that does nothing reads them from
//   position 0 until its waitForPosition on the last one resolves, with in-memory checkpoints
//   (the SDK's default); and with Postgres checkpoints (a transaction per event, so only the
//   first --pg-catch-up-events of them)
//       vs  the fetch API read directly, and a raw paged SELECT of the same rows
//
// Results go to stdout as a table and to bench/results/sdk.json; progress to stderr.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
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
  freshDatabaseUrl,
  machineBusyOver,
  now,
  onCleanup,
  openPool,
  parseFlags,
  peakMemory,
  peakRssBytes,
  progress,
  request,
  round,
  runMain,
  sleep,
  startApp,
  summarize,
  table,
} from './support.mjs';

const APPS = ['event-store', 'registry', 'gateway'];
/** The flow's request/reply round trips: client→gateway, →story, →bundle, →append. */
const HOPS = 4;
const COMMAND_TIMEOUT_MS = 30_000;
const CATCH_UP_CONTEXT = 'bench-catch-up';
const FETCH = 'evento.v1.event-store.events.fetch';

const USAGE = `Usage: npm run bench:sdk [-- options]

  --quick                  short run: 100 samples, 2 s per throughput point, 50,000 catch-up events
  --samples=<n>            measured one-at-a-time commands (default 300; quick 100)
  --warmup=<n>             unmeasured one-at-a-time commands first (default 50; quick 20)
  --clients=<list>         concurrent clients of the throughput points (default 16,64)
  --duration=<s>           measured seconds per throughput point (default 5; quick 2)
  --point-warmup=<s>       unmeasured seconds before each throughput point (default 0.5; quick 0.3)
  --catch-up-events=<n>    events seeded and read back from 0 (default 1000000; quick 50000; 0 skips)
  --pg-catch-up-events=<n> events the projector with Postgres checkpoints reads (a transaction each,
                           so far fewer: default 10000; quick 1000; 0 skips)
  --nats[=<url>]           use this NATS server (bare: NATS_URL or nats://127.0.0.1:4222) instead of a private one
  --no-build               use dist/ as it is
  --out=<file>             results file (default bench/results/sdk.json)
`;

function parseOptions(argv) {
  const { flags, number, list, natsUrl } = parseFlags(
    argv,
    [
      'quick',
      'samples',
      'warmup',
      'clients',
      'duration',
      'point-warmup',
      'catch-up-events',
      'pg-catch-up-events',
      'nats',
      'no-build',
      'out',
    ],
    USAGE,
  );
  const quick = flags.has('quick');
  const clients = list('clients', ['16', '64']).map(Number);
  if (clients.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--clients takes whole numbers >= 1');
  return {
    quick,
    samples: number('samples', quick ? 100 : 300, { min: 1, integer: true }),
    warmup: number('warmup', quick ? 20 : 50, { min: 0, integer: true }),
    clients,
    durationMs: number('duration', quick ? 2 : 5, { min: 0.1 }) * 1000,
    warmupMs: number('point-warmup', quick ? 0.3 : 0.5) * 1000,
    catchUpEvents: number('catch-up-events', quick ? 50_000 : 1_000_000, { min: 0, integer: true }),
    pgCatchUpEvents: number('pg-catch-up-events', quick ? 1_000 : 10_000, { min: 0, integer: true }),
    natsUrl: natsUrl(),
    build: !flags.has('no-build'),
    out: flags.has('out') ? String(flags.get('out')) : join(ROOT, 'bench', 'results', 'sdk.json'),
  };
}

// ---------------------------------------------------------------------------------------------
// The bundles, declared with the SDK's decorators called as functions (plain JavaScript)
// ---------------------------------------------------------------------------------------------

function benchComponents(sdk, validator) {
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

  return { components: [new Counter(), new CounterView()], OpenCounter, Bump };
}

/** A projector that does nothing with the seeded events: what catch-up costs the SDK itself. */
function catchUpComponents(sdk) {
  class BenchSeeded extends sdk.ServiceEvent {}
  class IdleView {
    seeded() {}
  }
  sdk.EventHandler({ payload: BenchSeeded })(IdleView.prototype, 'seeded');
  sdk.Projector({ version: 1, context: CATCH_UP_CONTEXT })(IdleView);
  return [new IdleView()];
}

function newBundle(sdk, natsUrl, bundleId, components, store) {
  return new sdk.EventoBundle({
    bundleId,
    bundleVersion: '1.0.0',
    servers: natsUrl,
    components,
    ...(store ? { store } : {}),
    telemetry: { enabled: false },
    logger: { log: () => undefined, warn: progress, error: progress },
  });
}

// ---------------------------------------------------------------------------------------------
// Floor: the flow's NATS round trips against an echo responder, and one raw INSERT
// ---------------------------------------------------------------------------------------------

const FLOOR_INSERT = `INSERT INTO public.bench_raw
  (event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
  VALUES ($1, $2, $3, 'default', 'Bumped', $4::jsonb, $5::jsonb) RETURNING position`;

/**
 * Floor clients: each does, in sequence, HOPS raw request/reply round trips to the echo
 * responder (a connection of its own in this process, like the bundle's) and one autocommit
 * INSERT of an event-shaped row into a copy of event_store.events.
 */
function floorClients(nc, pool, echoSubject, tag) {
  return (client) => {
    const aggregateId = `${tag}-${client}`;
    const body = JSON.stringify({ command: 'Bump', aggregateId, payload: { counterId: aggregateId } });
    let version = 0;
    return async () => {
      for (let hop = 0; hop < HOPS; hop++) await nc.request(echoSubject, body, { timeout: COMMAND_TIMEOUT_MS });
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
            command: 'Bump',
            bundleId: 'bench',
            instanceId: 'bench-000000',
          },
        }),
      ]);
    };
  };
}

/** One at a time: the floor's round trip, and a raw NATS publish → subscriber hop. */
async function oneAtATimeBaselines(ctx, samples) {
  const { nc, databaseUrl, echoSubject } = ctx;
  const hopSubject = `bench.sdk.hop.${randomBytes(4).toString('hex')}`;
  let hopArrived;
  const hop = ctx.ncEcho.subscribe(hopSubject, { callback: () => hopArrived?.() });
  await ctx.ncEcho.flush();
  const pool = await openPool(pg, databaseUrl, 1);
  try {
    const op = await floorClients(nc, pool, echoSubject, `floor-1-${randomBytes(2).toString('hex')}`)(0);
    for (let i = 0; i < 20; i++) await op();
    const floor = [];
    const hops = [];
    for (let i = 0; i < samples; i += 1) {
      const started = now();
      await op();
      floor.push(now() - started);
      const arrived = new Promise((resolve) => (hopArrived = resolve));
      const sent = now();
      nc.publish(hopSubject, JSON.stringify({ i }));
      await arrived;
      hops.push(now() - sent);
    }
    return { floor: { ...summarize(floor), opsPerSec: perSecond(floor) }, hop: summarize(hops) };
  } finally {
    hop.unsubscribe();
    await pool.end();
  }
}

async function floorPoint(ctx, options, clients) {
  const pool = await openPool(pg, ctx.databaseUrl, clients);
  try {
    return await closedLoop({
      workers: clients,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      makeOp: floorClients(ctx.nc, pool, ctx.echoSubject, `floor-${clients}-${randomBytes(2).toString('hex')}`),
      meter: ctx.meter,
    });
  } finally {
    await pool.end();
  }
}

async function sdkPoint(ctx, options, clients) {
  const { bundle, OpenCounter, Bump } = ctx;
  const tag = `t${clients}-${randomBytes(2).toString('hex')}`;
  const ids = Array.from({ length: clients }, (_, i) => `${tag}-${i}`);
  await Promise.all(ids.map((counterId) => bundle.commandGateway.send(OpenCounter.of({ counterId }))));
  return closedLoop({
    workers: clients,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    makeOp: (client) => () => bundle.commandGateway.send(Bump.of({ counterId: ids[client] })),
    meter: ctx.meter,
  });
}

// ---------------------------------------------------------------------------------------------
// Consumer catch-up
// ---------------------------------------------------------------------------------------------

/** Seeds `count` non-aggregate events through append_batch, 1000 per transaction (not measured). */
async function seed(db, count) {
  const started = now();
  for (let done = 0; done < count; done += 1000) {
    const events = [];
    for (let k = done; k < Math.min(count, done + 1000); k++) {
      events.push({
        eventId: `seed-${k}`,
        eventName: 'BenchSeeded',
        context: CATCH_UP_CONTEXT,
        payload: { orderId: `order-${k}`, customerId: `customer-${k % 97}`, amount: 123.45, currency: 'EUR' },
      });
    }
    await db.query('SELECT event_store.append_batch($1::jsonb, true)', [JSON.stringify([{ events }])]);
  }
  await db.query('VACUUM ANALYZE event_store.events');
  const { rows } = await db.query('SELECT max(position)::text AS last FROM event_store.events WHERE context = $1', [
    CATCH_UP_CONTEXT,
  ]);
  progress(`seeded ${fmtInt(count)} events in ${((now() - started) / 1000).toFixed(1)} s`);
  return rows[0].last;
}

const READ_COLUMNS = `position::text AS position, tx_id::text AS tx_id, event_id, aggregate_id, aggregate_version,
  context, event_name, payload, metadata, created_at, deleted_at`;

/** The raw baseline: the same rows by a paged SELECT, 1000 a page, as bench/event-store.mjs reads them. */
async function rawRead(databaseUrl, count) {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    let read = 0;
    let last = '0';
    const started = now();
    while (read < count) {
      const { rows } = await client.query(
        `SELECT ${READ_COLUMNS} FROM event_store.events WHERE context = $2 AND events.position > $1::bigint
         ORDER BY events.position LIMIT 1000`,
        [last, CATCH_UP_CONTEXT],
      );
      if (rows.length === 0) throw new Error(`the table ended after ${read} rows`);
      read += rows.length;
      last = rows[rows.length - 1].position;
    }
    const seconds = (now() - started) / 1000;
    return { events: read, seconds: round(seconds, 2), eventsPerSec: round(read / seconds, 0), pageSize: 1000 };
  } finally {
    await client.end();
  }
}

/** The fetch API read directly, with the SDK consumer's page size (500), for where the time goes. */
async function apiRead(nc, count, limit) {
  let read = 0;
  let cursor = '';
  const started = now();
  while (read < count) {
    const { data } = await request(nc, FETCH, { after: cursor, context: CATCH_UP_CONTEXT, limit }, 30_000);
    if (data.events.length === 0) throw new Error(`the log ended after ${read} events`);
    read += data.events.length;
    cursor = data.cursor;
  }
  const seconds = (now() - started) / 1000;
  return { events: read, seconds: round(seconds, 2), eventsPerSec: round(read / seconds, 0), pageSize: limit };
}

/**
 * The Postgres checkpoint's floor: `count` transactions that each move one checkpoint row
 * (BEGIN, UPDATE, COMMIT on a pooled connection), as the SDK's store does per event.
 */
async function rawCheckpointTransactions(databaseUrl, count) {
  const pool = await openPool(pg, databaseUrl, 1);
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS bench.raw_checkpoint (id text PRIMARY KEY, position bigint NOT NULL)');
    await pool.query(`INSERT INTO bench.raw_checkpoint VALUES ('c', 0) ON CONFLICT (id) DO NOTHING`);
    const started = now();
    for (let i = 1; i <= count; i++) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('UPDATE bench.raw_checkpoint SET position = $2 WHERE id = $1', ['c', i]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
    const seconds = (now() - started) / 1000;
    return { events: count, seconds: round(seconds, 2), eventsPerSec: round(count / seconds, 0) };
  } finally {
    await pool.end();
  }
}

/**
 * A new bundle whose idle projector starts from position 0: timed from start() until its
 * waitForPosition on the last seeded event resolves (joining the registry included).
 */
async function projectorRead(sdk, natsUrl, bundleId, count, last, store) {
  const bundle = newBundle(sdk, natsUrl, bundleId, catchUpComponents(sdk), store);
  const started = now();
  try {
    await bundle.start();
    const joinedMs = now() - started;
    const projector = bundle.consumer('IdleView');
    // A generous timeout: at a few thousand events a second a million take minutes.
    await projector.waitForPosition(last, Math.max(60_000, count * 5));
    const seconds = (now() - started) / 1000;
    return {
      events: count,
      seconds: round(seconds, 2),
      eventsPerSec: round(count / seconds, 0),
      joinMs: round(joinedMs, 0),
      checkpoints: store ? 'postgres' : 'memory',
    };
  } finally {
    await bundle.stop();
  }
}

async function catchUp(ctx, sdk, options) {
  const count = options.catchUpEvents;
  progress(`catch-up: seeding ${fmtInt(count)} events in context ${CATCH_UP_CONTEXT}`);
  const last = await seed(ctx.db, count);
  // Unmeasured: a few pages through the API, so no read includes the event store's warm-up.
  let cursor = '';
  for (let page = 0; page < 10; page++) {
    cursor = (await request(ctx.nc, FETCH, { after: cursor, context: CATCH_UP_CONTEXT, limit: 500 }, 30_000)).data
      .cursor;
  }
  progress('catch-up: raw SELECT');
  const raw = await rawRead(ctx.databaseUrl, count);
  progress('catch-up: fetch API');
  const api = await apiRead(ctx.nc, count, 500);
  progress('catch-up: SDK projector that does nothing (in-memory checkpoints)');
  const projector = await projectorRead(sdk, ctx.natsUrl, 'bench-catch-up', count, last);
  let projectorPg = null;
  let rawCheckpoint = null;
  const pgCount = Math.min(count, options.pgCatchUpEvents);
  if (pgCount > 0) {
    progress(`catch-up: SDK projector that does nothing (Postgres checkpoints), the first ${fmtInt(pgCount)} events`);
    // Positions are in reading order (CPES): the projector has read the first pgCount events once it passed this one.
    const { rows } = await ctx.db.query(
      // events.position: a bare `position` would sort by the text output column ("10" < "9").
      `SELECT position::text AS position FROM event_store.events WHERE context = $1
       ORDER BY events.position OFFSET $2 LIMIT 1`,
      [CATCH_UP_CONTEXT, pgCount - 1],
    );
    projectorPg = await projectorRead(sdk, ctx.natsUrl, 'bench-catch-up-pg', pgCount, rows[0].position, {
      postgres: { url: ctx.databaseUrl, schema: 'bench_catch_up' },
    });
    progress(`catch-up: ${fmtInt(pgCount)} raw checkpoint transactions (BEGIN, UPDATE, COMMIT)`);
    rawCheckpoint = await rawCheckpointTransactions(ctx.databaseUrl, pgCount);
  }
  const ratio = (r) => (r && raw.eventsPerSec > 0 ? round(r.eventsPerSec / raw.eventsPerSec, 3) : null);
  return {
    events: count,
    lastPosition: last,
    raw,
    api,
    projector,
    projectorPg,
    rawCheckpoint,
    ratio: {
      api: ratio(api),
      projector: ratio(projector),
      projectorPg: ratio(projectorPg),
      projectorPgToRawCheckpoint:
        projectorPg && rawCheckpoint?.eventsPerSec > 0
          ? round(projectorPg.eventsPerSec / rawCheckpoint.eventsPerSec, 2)
          : null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/** Operations per second of one client doing them back to back. */
function perSecond(latencies) {
  const totalMs = latencies.reduce((sum, ms) => sum + ms, 0);
  return totalMs > 0 ? round((1000 * latencies.length) / totalMs, 0) : null;
}

function div(a, b) {
  return a !== null && a !== undefined && b > 0 ? a / b : null;
}

function ratioOf(a, b) {
  return a !== null && a !== undefined && b > 0 ? round(a / b, 2) : null;
}

function report(results) {
  const lines = [];
  const row = (name, figures, baselineName, baseline) => [
    name,
    fmtMs(figures.p50Ms),
    fmtMs(figures.p99Ms),
    baselineName,
    baseline ? fmtMs(baseline.p50Ms) : '',
    baseline ? fmtMs(baseline.p99Ms) : '',
  ];
  lines.push(
    table(
      ['measure (ms, one at a time)', 'p50', 'p99', 'baseline', 'p50', 'p99'],
      [
        row(
          'domain command round trip',
          results.commandRoundTrip,
          `${HOPS} NATS req/reply + pg INSERT`,
          results.commandFloor,
        ),
        row('append-to-view (after the reply)', results.appendToView, 'NATS publish -> subscriber', results.natsHop),
        row('command sent -> view updated', results.commandToView, '', null),
      ],
    ),
    '',
  );
  if (results.throughput.length > 0) {
    lines.push(
      table(
        [
          'clients',
          'commands/s',
          'p50 ms',
          'p99 ms',
          'floor ops/s',
          'floor p50',
          'floor p99',
          'ops/s vs floor',
          'p50 vs floor',
        ],
        results.throughput.map((p) => [
          p.clients,
          fmtInt(p.sdk.opsPerSec) + (p.sdk.errors ? ` (${p.sdk.errors} errors)` : ''),
          fmtMs(p.sdk.p50Ms),
          fmtMs(p.sdk.p99Ms),
          fmtInt(p.floor.opsPerSec),
          fmtMs(p.floor.p50Ms),
          fmtMs(p.floor.p99Ms),
          fmtRatio(p.ratio.throughput),
          fmtRatio(p.ratio.p50),
        ]),
      ),
      '',
    );
  }
  const c = results.catchUp;
  if (c) {
    const line = (name, r, ratio) => [
      name,
      fmtInt(r.events),
      r.seconds.toFixed(2),
      fmtInt(r.eventsPerSec),
      fmtRatio(ratio),
    ];
    lines.push(
      table(
        ['catch-up from position 0', 'events', 'seconds', 'events/s', 'vs raw'],
        [
          line('raw paged SELECT (1000 a page)', c.raw, 1),
          line('fetch API (500 a page)', c.api, c.ratio.api),
          line('SDK projector, memory checkpoints', c.projector, c.ratio.projector),
          ...(c.projectorPg ? [line('SDK projector, pg checkpoints', c.projectorPg, c.ratio.projectorPg)] : []),
          ...(c.rawCheckpoint
            ? [
                line(
                  'raw BEGIN/UPDATE/COMMIT per event',
                  c.rawCheckpoint,
                  div(c.rawCheckpoint.eventsPerSec, c.raw.eventsPerSec),
                ),
              ]
            : []),
        ],
      ),
      '',
    );
  }
  return lines.join('\n');
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (!isAbsolute(options.out)) options.out = join(process.cwd(), options.out);
  const startedAt = new Date();
  if (options.build) for (const app of APPS) await buildIfNeeded(app);
  const require = createRequire(import.meta.url);
  // `npm run build` compiles the SDK into dist/libs/sdk beside the apps.
  const sdkEntry = join(ROOT, 'dist', 'libs', 'sdk', 'src', 'index.js');
  if (!existsSync(sdkEntry)) throw new Error(`${sdkEntry} is missing: run npm run build`);
  const sdk = require(sdkEntry);
  const validator = require('class-validator');

  const { url: natsUrl, pid: natsPid, info: natsInfo } = await benchNats(options.natsUrl);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => {});
  await admin.connect();
  onCleanup(() => admin.end());
  const databaseUrl = freshDatabaseUrl();
  await admin.query(`CREATE DATABASE "${new URL(databaseUrl).pathname.slice(1)}"`);
  onCleanup(() => dropDatabase(admin, databaseUrl));
  const nc = await connectNats(natsUrl, 'evento-bench-sdk-clients');
  onCleanup(() => nc.close());
  // The floor's echo responder on a connection of its own, as the bundle has its own.
  const ncEcho = await connectNats(natsUrl, 'evento-bench-sdk-echo');
  onCleanup(() => ncEcho.close());
  const echoSubject = `bench.sdk.echo.${randomBytes(4).toString('hex')}`;
  ncEcho.subscribe(echoSubject, { callback: (_error, msg) => msg.respond(msg.data) });
  await ncEcho.flush();

  const machine = await describeMachine(admin, nc, natsInfo);
  machine.busyPctBeforeStart = await machineBusyOver(1000);

  const db = new pg.Client({ connectionString: databaseUrl });
  db.on('error', () => {});
  await db.connect();
  onCleanup(() => db.end());
  await db.query('CREATE SCHEMA bench');
  await db.query('CREATE TABLE bench.counter (counter_id text PRIMARY KEY, value integer NOT NULL)');

  const apps = {};
  for (const app of APPS) {
    const env = app === 'gateway' ? { GATEWAY_TELEMETRY: 'false' } : {};
    apps[app] = await startApp(app, { databaseUrl, natsUrl, nc, env });
  }
  await createRawTable(db);

  const { components, OpenCounter, Bump } = benchComponents(sdk, validator);
  const bundle = newBundle(sdk, natsUrl, 'bench', components, {
    postgres: { url: databaseUrl, schema: 'bench_bundle' },
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

  progress(`one at a time: ${options.warmup} warm-up commands, then ${options.samples} measured`);
  const roundTrips = [];
  const toView = [];
  const total = [];
  for (let i = 0; i < options.warmup + options.samples; i += 1) {
    const started = now();
    const result = await bundle.commandGateway.send(Bump.of({ counterId: counters[i % counters.length] }));
    const replied = now();
    await projector.waitForPosition(result.event.position);
    const viewed = now();
    if (i >= options.warmup) {
      roundTrips.push(replied - started);
      toView.push(viewed - replied);
      total.push(viewed - started);
    }
  }
  const ctx = {
    nc,
    ncEcho,
    db,
    databaseUrl,
    natsUrl,
    echoSubject,
    bundle,
    OpenCounter,
    Bump,
    meter: {
      children: {
        gateway: apps.gateway.child.pid,
        'event-store': apps['event-store'].child.pid,
        registry: apps.registry.child.pid,
        ...(natsPid ? { nats: natsPid } : {}),
      },
      database: new URL(databaseUrl).pathname.slice(1),
    },
  };
  const base = await oneAtATimeBaselines(ctx, options.samples);

  const results = {
    startedAt: startedAt.toISOString(),
    machine,
    options: { ...options, out: undefined },
    samples: options.samples,
    commandRoundTrip: { ...summarize(roundTrips), opsPerSec: perSecond(roundTrips) },
    commandFloor: base.floor,
    hops: HOPS,
    appendToView: summarize(toView),
    commandToView: summarize(total),
    natsHop: base.hop,
    throughput: [],
    catchUp: null,
    warnings: [],
  };

  if (options.clients.length > 0) {
    // The command path alone, as in bench/gateway.mjs: the projector would share the process's CPU.
    await projector.stop();
    for (const clients of options.clients) {
      progress(`${clients} clients: floor (${HOPS} NATS round trips + 1 INSERT), then Bump through the SDK`);
      const floor = await floorPoint(ctx, options, clients);
      const measured = await sdkPoint(ctx, options, clients);
      const ratio = {
        throughput: ratioOf(measured.opsPerSec, floor.opsPerSec),
        p50: ratioOf(measured.p50Ms, floor.p50Ms),
        p99: ratioOf(measured.p99Ms, floor.p99Ms),
      };
      results.throughput.push({ clients, sdk: measured, floor, ratio });
      progress(
        `  ${fmtInt(measured.opsPerSec)} commands/s (p50 ${fmtMs(measured.p50Ms)} ms) vs floor ` +
          `${fmtInt(floor.opsPerSec)}/s (p50 ${fmtMs(floor.p50Ms)} ms)`,
      );
      if (measured.errors) {
        results.warnings.push(`${clients} clients: ${measured.errors} errors, e.g. ${measured.firstError}`);
      }
      if (floor.errors) results.warnings.push(`floor ${clients}: ${floor.errors} errors, e.g. ${floor.firstError}`);
    }
  }

  if (options.catchUpEvents > 0) results.catchUp = await catchUp(ctx, sdk, options);

  if (machine.busyPctBeforeStart > 20) {
    results.warnings.push(
      `the machine was ${machine.busyPctBeforeStart}% busy before the bench started: other load shares the CPU`,
    );
  }
  await bundle.stop();
  for (const app of [...APPS].reverse()) {
    const exit = await apps[app].child.stop();
    if (exit.code !== 0) results.warnings.push(`${app} exited with ${exit.signal ?? exit.code}`);
  }
  // The bundles ran in this process: its peak is theirs (plus the bench's clients).
  results.memory = { ...peakMemory(), 'bench process (SDK bundles)': peakRssBytes(process.pid) };
  results.totalSeconds = round((Date.now() - startedAt.getTime()) / 1000, 0);
  results.machine.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${report(results)}\n`);
  progress(`results in ${options.out}`);
}

await runMain(main);
