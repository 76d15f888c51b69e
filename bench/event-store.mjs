#!/usr/bin/env node
// Benchmark of the event store: npm run bench:event-store [-- options]
//
// Starts the built event-store app (node dist/apps/event-store/src/main.js) on a fresh database,
// once in CPES mode and once in APES mode, and measures through its NATS API, each figure beside
// a baseline measured in the same run on the same machine:
//
//   appends/s and latency at 1, 16, 64 concurrent writers   vs  raw pg single-row INSERTs
//   events/s fetching N events from position 0 (paged)      vs  raw paged SELECT of the same rows
//   append -> waiting consumer latency (fetch with waitMs)  vs  a raw NATS publish -> subscriber hop
//
// Results go to stdout as tables and to bench/results/event-store.json; progress goes to stderr.
// By default the app and the bench talk over a private nats-server started on a free port, so no
// other event-store on the shared NATS (e.g. a test run) can answer the bench's requests or have
// its requests answered by the bench's app; --nats[=url] uses an existing server instead.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import pg from 'pg';
import {
  ADMIN_URL,
  ROOT,
  benchNats,
  buildIfNeeded,
  closedLoop as sharedClosedLoop,
  interleavedLoops,
  connectNats,
  createRawTable,
  describeMachine,
  dropDatabase,
  entryOf,
  fmtInt,
  fmtMs,
  fmtRatio,
  freshDatabaseUrl,
  machineBusyOver,
  machineLines,
  now,
  onCleanup,
  openPool,
  parseFlags,
  peakMemory,
  pingApp,
  progress,
  request,
  round,
  runMain,
  sleep,
  startApp,
  summarize,
  table,
} from './support.mjs';
import { emmettPoints } from './lib/emmett.mjs';

const SUBJECTS = {
  ping: 'evento.v1.event-store.system.ping',
  append: 'evento.v1.event-store.events.append',
  fetch: 'evento.v1.event-store.events.fetch',
  head: 'evento.v1.event-store.events.head',
};

const USAGE = `Usage: npm run bench:event-store [-- options]

  --quick               short run: 3 s per append point, 50,000 events fetched, 100 latency samples
  --duration=<s>        measured seconds per append point (default 5; quick 3)
  --rounds=<n>          slices each append point is measured in, raw and store taking turns (default 5; quick 3)
  --warmup=<s>          unmeasured seconds before each append point (default 0.5; quick 0.3)
  --app-warmup=<s>      unmeasured appends (16 writers) after each app start (default 6; quick 3)
  --writers=<list>      concurrent writers per point (default 1,16,64)
  --modes=<list>        CPES, APES or both (default CPES,APES)
  --fetch-events=<n>    events seeded and read back (default 200000; quick 50000)
  --samples=<n>         append -> consumer latency samples (default 300; quick 100)
  --interval=<ms>       pause between latency samples (default 20)
  --nats[=<url>]        use this NATS server (default: NATS_URL or nats://127.0.0.1:4222)
                        instead of a private nats-server started for the bench
  --no-emmett           skip the peer baseline: appends through emmett's PostgreSQL event store
  --no-build            do not run npm run build even if the sources are newer than dist/
  --out=<file>          JSON results (default bench/results/event-store.json)

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the
server the fresh databases are created on; DATABASE_POOL_SIZE and the APPEND_* variables pass to the app;
BENCH_APP_NODE_ARGS adds node options to the app (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
`;

function parseOptions(argv) {
  const { flags, number, list, natsUrl } = parseFlags(
    argv,
    [
      'quick',
      'duration',
      'rounds',
      'warmup',
      'app-warmup',
      'writers',
      'modes',
      'fetch-events',
      'samples',
      'interval',
      'nats',
      'no-emmett',
      'no-build',
      'out',
    ],
    USAGE,
  );
  const quick = flags.has('quick');
  const writers = list('writers', ['1', '16', '64']).map(Number);
  if (writers.some((w) => !Number.isInteger(w) || w < 1 || w > 80)) throw new Error('--writers must be 1..80 each');
  const modes = list('modes', ['CPES', 'APES']).map((m) => m.toUpperCase());
  if (modes.some((m) => m !== 'CPES' && m !== 'APES')) throw new Error('--modes takes CPES and/or APES');
  return {
    quick,
    durationMs: number('duration', quick ? 3 : 5, { min: 0.1 }) * 1000,
    rounds: number('rounds', quick ? 3 : 5, { min: 1, integer: true }),
    warmupMs: number('warmup', quick ? 0.3 : 0.5) * 1000,
    appWarmupMs: number('app-warmup', quick ? 3 : 6) * 1000,
    writers,
    modes,
    fetchEvents: number('fetch-events', quick ? 50_000 : 200_000, { min: 1000, integer: true }),
    samples: number('samples', quick ? 100 : 300, { min: 1, integer: true }),
    intervalMs: number('interval', 20, { min: 1 }),
    natsUrl: natsUrl(),
    emmett: !flags.has('no-emmett'),
    build: !flags.has('no-build'),
    out: flags.has('out') ? String(flags.get('out')) : join(ROOT, 'bench', 'results', 'event-store.json'),
  };
}

// ---------------------------------------------------------------------------------------------
// Infrastructure: NATS, databases, the app
// ---------------------------------------------------------------------------------------------

const pingOnce = (nc, timeoutMs) => pingApp(nc, 'event-store', timeoutMs);

function startEventStore(mode, databaseUrl, natsUrl, nc) {
  return startApp('event-store', {
    label: `event-store ${mode}`,
    databaseUrl,
    natsUrl,
    nc,
    instanceId: `bench-${mode.toLowerCase()}-${randomBytes(3).toString('hex')}`,
    env: { EVENT_STORE_MODE: mode },
  });
}

/** True when 20 pings in a row all reached our instance (no foreign replica in the queue group). */
async function onlyOurs(nc, instanceId) {
  for (let i = 0; i < 20; i++) {
    const pong = await pingOnce(nc, 2000);
    if (pong && pong.instanceId !== instanceId) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

/** A realistic small payload (~190 bytes of JSON). */
function payloadOf(writer, n) {
  return {
    orderId: `order-${writer}-${n}`,
    customerId: `customer-${writer % 97}`,
    amount: 123.45,
    currency: 'EUR',
    lines: [
      { sku: 'SKU-0001', quantity: 2 },
      { sku: 'SKU-0002', quantity: 1 },
    ],
    note: 'benchmark event payload',
  };
}

/** A closed loop's result with its rate named for appends, as in this bench's JSON. */
function asAppends({ opsPerSec, window: _window, ...result }) {
  return { appendsPerSec: opsPerSec, ...result };
}

/** The shared closed loop, its rate named for appends. */
async function closedLoop({ writers, ...rest }) {
  return asAppends(await sharedClosedLoop({ workers: writers, ...rest }));
}

/** One store writer: a service event, or an aggregate event with expectedVersion. */
function storeWriter(nc, kind, tag) {
  return (writer) => {
    let n = 0;
    if (kind === 'service') {
      return () =>
        request(nc, SUBJECTS.append, {
          events: [
            {
              eventId: `${tag}-${writer}-${n}`,
              eventName: 'BenchServiceEvent',
              context: tag,
              payload: payloadOf(writer, n++),
            },
          ],
        });
    }
    const aggregateId = `${tag}-agg-${writer}`;
    let version = 0;
    return async () => {
      try {
        const { data } = await request(nc, SUBJECTS.append, {
          aggregateId,
          expectedVersion: version,
          events: [
            {
              eventId: `${tag}-${writer}-${n}`,
              eventName: 'BenchAggregateEvent',
              context: tag,
              payload: payloadOf(writer, n++),
            },
          ],
        });
        version = data.version;
      } catch (error) {
        const actual = error?.details?.actualVersion;
        if (error?.code === 'CONFLICT' && Number.isInteger(actual)) version = actual;
        throw error;
      }
    };
  };
}

const RAW_INSERT = `INSERT INTO public.bench_raw
  (event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, '{}'::jsonb) RETURNING position`;

/** Raw writers' operations: one autocommit INSERT per iteration on a pool of one connection per writer. */
function rawOps(pool, tag, writers) {
  return Array.from({ length: writers }, (_, writer) => {
    let version = 0;
    return () =>
      pool.query(RAW_INSERT, [
        `${tag}-${writer}-${version}`,
        `${tag}-agg-${writer}`,
        ++version,
        tag,
        'BenchRawEvent',
        JSON.stringify(payloadOf(writer, version)),
      ]);
  });
}

async function eventsPerTransaction(db, context) {
  const { rows } = await db.query(
    'SELECT count(*)::int AS events, count(DISTINCT tx_id)::int AS txs FROM event_store.events WHERE context = $1',
    [context],
  );
  const { events, txs } = rows[0];
  return txs > 0 ? round(events / txs, 1) : null;
}

async function appendPoints(ctx, options) {
  const { mode, nc, db, databaseUrl } = ctx;
  // The append path runs cold until V8 has optimised it: measured, the first few seconds of
  // appends cost the app about twice the CPU of later ones. Warm it up, unmeasured.
  progress(`${mode} warming up the append path for ${options.appWarmupMs / 1000} s`);
  for (const kind of ['service', 'aggregate']) {
    await closedLoop({
      writers: 16,
      warmupMs: 0,
      durationMs: options.appWarmupMs / 2,
      makeOp: storeWriter(nc, kind, `warmup-${mode.toLowerCase()}-${kind}`),
    });
  }
  const rows = [];
  for (const writers of options.writers) {
    const rawTag = `raw-${mode.toLowerCase()}-${writers}`;
    const tags = {
      service: `ap-${mode.toLowerCase()}-service-${writers}`,
      aggregate: `ap-${mode.toLowerCase()}-aggregate-${writers}`,
    };
    progress(`${mode} ${writers} writer(s): raw INSERT and store appends, ${options.rounds} rounds in turn`);
    const pool = await openPool(pg, databaseUrl, writers);
    let raw, service, aggregate;
    try {
      [raw, service, aggregate] = await interleavedLoops({
        workers: writers,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        rounds: options.rounds,
        contenders: [
          { ops: rawOps(pool, rawTag, writers), meter: { database: ctx.database } },
          ...['service', 'aggregate'].map((kind) => ({
            ops: Array.from({ length: writers }, (_, w) => storeWriter(nc, kind, tags[kind])(w)),
            meter: ctx.meter,
          })),
        ],
      });
    } finally {
      await pool.end();
    }
    const rawResult = asAppends(raw);
    for (const [kind, result] of [
      ['service', service],
      ['aggregate', aggregate],
    ]) {
      const store = { ...asAppends(result), eventsPerTx: await eventsPerTransaction(db, tags[kind]) };
      const ratio = rawResult.appendsPerSec > 0 ? round(store.appendsPerSec / rawResult.appendsPerSec, 2) : null;
      rows.push({ mode, writers, kind, store, raw: rawResult, ratio });
      progress(
        `  ${kind}: ${fmtInt(store.appendsPerSec)}/s (p50 ${fmtMs(store.p50Ms)} ms, ${store.eventsPerTx} events/tx) vs raw ${fmtInt(rawResult.appendsPerSec)}/s`,
      );
    }
  }
  return rows;
}

/** Seeds `count` events straight through append_batch, 1000 per transaction (not measured). */
async function seed(db, mode, count) {
  const started = now();
  for (let done = 0; done < count; done += 1000) {
    const events = [];
    for (let k = done; k < Math.min(count, done + 1000); k++) {
      events.push({ eventId: `seed-${k}`, eventName: 'BenchSeeded', context: 'seed', payload: payloadOf(k % 64, k) });
    }
    await db.query('SELECT event_store.append_batch($1::jsonb, $2)', [JSON.stringify([{ events }]), mode === 'CPES']);
  }
  await db.query('VACUUM ANALYZE event_store.events');
  progress(`seeded ${fmtInt(count)} events in ${((now() - started) / 1000).toFixed(1)} s`);
}

const READ_COLUMNS = `position::text AS position, tx_id::text AS tx_id, event_id, aggregate_id, aggregate_version,
  context, event_name, payload, metadata, created_at, deleted_at`;

async function fetchPoint(ctx, options) {
  const { mode, nc, databaseUrl, db } = ctx;
  const target = options.fetchEvents;
  await seed(db, mode, target);

  // Unmeasured: 20 pages through the API, so the timed read does not include V8's warm-up.
  let warm = '';
  for (let page = 0; page < 20; page++) {
    warm = (await request(nc, SUBJECTS.fetch, { after: warm, limit: 1000 }, 30_000)).data.cursor;
  }

  progress(`${mode} fetch ${fmtInt(target)} events through the API`);
  const apiPages = [];
  let cursor = '';
  let read = 0;
  let bytes = 0;
  let outOfOrder = 0;
  let lastPosition = 0n;
  let started = now();
  while (read < target) {
    const sent = now();
    const { data, bytes: size } = await request(nc, SUBJECTS.fetch, { after: cursor, limit: 1000 }, 30_000);
    apiPages.push(now() - sent);
    if (data.events.length === 0) throw new Error(`the log ended after ${read} events`);
    // The log is read in order, each event once: count what is not.
    for (const event of data.events) {
      const position = BigInt(event.position);
      if (position <= lastPosition) outOfOrder++;
      else lastPosition = position;
    }
    read += data.events.length;
    bytes += size;
    cursor = data.cursor;
  }
  const apiSeconds = (now() - started) / 1000;
  const api = {
    events: read,
    seconds: round(apiSeconds, 2),
    eventsPerSec: round(read / apiSeconds, 0),
    mbPerSec: round(bytes / 1e6 / apiSeconds, 1),
    pages: apiPages.length,
    eventsPerPage: round(read / apiPages.length, 0),
    page: summarize(apiPages),
    outOfOrder,
    lastPosition: String(lastPosition),
  };

  progress(`${mode} raw SELECT of the same ${fmtInt(target)} rows`);
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  const rawPages = [];
  let rawRead = 0;
  try {
    let last = '0';
    started = now();
    while (rawRead < target) {
      const sent = now();
      const { rows } = await client.query(
        // events.position: a bare `position` would sort by the text output column ("10" < "9").
        `SELECT ${READ_COLUMNS} FROM event_store.events WHERE events.position > $1::bigint
         ORDER BY events.position LIMIT 1000`,
        [last],
      );
      rawPages.push(now() - sent);
      if (rows.length === 0) throw new Error(`the table ended after ${rawRead} rows`);
      rawRead += rows.length;
      last = rows[rows.length - 1].position;
    }
  } finally {
    await client.end();
  }
  const rawSeconds = (now() - started) / 1000;
  const raw = {
    events: rawRead,
    seconds: round(rawSeconds, 2),
    eventsPerSec: round(rawRead / rawSeconds, 0),
    pages: rawPages.length,
    eventsPerPage: round(rawRead / rawPages.length, 0),
    page: summarize(rawPages),
  };
  return { mode, api, raw, ratio: round(api.eventsPerSec / raw.eventsPerSec, 2) };
}

/** Append one event every `intervalMs`; a consumer waits in fetch(waitMs) and timestamps arrivals. */
async function consumerLatency(ctx, options) {
  const { mode, nc, ncConsumer } = ctx;
  const tag = `lat-${mode.toLowerCase()}-${randomBytes(2).toString('hex')}`;
  const { data: head } = await request(ncConsumer, SUBJECTS.head, {});
  const sent = new Map();
  const latencies = [];
  const acks = [];
  let stopping = false;
  let consumerError;
  const consumer = (async () => {
    let cursor = head.cursor;
    while (!stopping) {
      const { data } = await request(ncConsumer, SUBJECTS.fetch, { after: cursor, waitMs: 10_000 }, 15_000);
      const arrived = now();
      for (const event of data.events) {
        const at = sent.get(event.eventId);
        if (at !== undefined) {
          latencies.push(arrived - at);
          sent.delete(event.eventId);
        }
      }
      cursor = data.cursor;
    }
  })().catch((error) => (consumerError = error));
  await sleep(200); // the consumer is now waiting

  const append = (eventId) => {
    const at = now();
    sent.set(eventId, at);
    return request(nc, SUBJECTS.append, {
      events: [{ eventId, eventName: 'BenchLatency', context: tag, payload: { eventId } }],
    }).then(() => acks.push(now() - at));
  };
  const pending = [];
  for (let i = 0; i < options.samples; i++) {
    pending.push(append(`${tag}-${i}`));
    await sleep(options.intervalMs);
  }
  await Promise.all(pending);
  const deadline = Date.now() + 15_000;
  while (latencies.length < options.samples && !consumerError && Date.now() < deadline) await sleep(20);
  stopping = true;
  sent.clear();
  await request(nc, SUBJECTS.append, {
    events: [{ eventId: `${tag}-stop`, eventName: 'BenchLatency', context: tag, payload: {} }],
  });
  await consumer;
  if (consumerError) throw consumerError;
  return {
    consumer: { ...summarize(latencies), missing: options.samples - latencies.length },
    ack: summarize(acks),
  };
}

/** Baselines: a raw NATS publish -> subscriber hop, and a request -> reply to the app (ping). */
async function natsHopLatency(nc, ncConsumer, options) {
  const subject = `bench.hop.${randomBytes(4).toString('hex')}`;
  const sentAt = [];
  const latencies = [];
  const sub = ncConsumer.subscribe(subject, {
    callback: (error, msg) => {
      if (!error) latencies.push(now() - sentAt[Number(msg.string())]);
    },
  });
  await ncConsumer.flush();
  for (let i = 0; i < options.samples; i++) {
    sentAt[i] = now();
    nc.publish(subject, String(i));
    await sleep(options.intervalMs);
  }
  await nc.flush();
  await ncConsumer.flush();
  await sleep(100);
  sub.unsubscribe();
  return summarize(latencies);
}

async function pingLatency(nc, samples) {
  const latencies = [];
  for (let i = 0; i < samples; i++) {
    const sent = now();
    await request(nc, SUBJECTS.ping, {});
    latencies.push(now() - sent);
  }
  return summarize(latencies);
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function header(machine, options) {
  return [
    'Evento event-store benchmark',
    ...machineLines(machine),
    `run       ${options.quick ? 'quick' : 'full'}: ${options.durationMs / 1000} s per append point after ${options.warmupMs / 1000} s warm-up, ` +
      `${fmtInt(options.fetchEvents)} events fetched, ${options.samples} latency samples; ` +
      `app DATABASE_POOL_SIZE=${process.env.DATABASE_POOL_SIZE ?? 10} APPEND_MAX_BATCH=${process.env.APPEND_MAX_BATCH ?? 500} APPEND_CONCURRENT_BATCHES=${process.env.APPEND_CONCURRENT_BATCHES ?? 2} APPEND_EXTRA_BATCH_MIN=${process.env.APPEND_EXTRA_BATCH_MIN ?? 16}`,
  ].join('\n');
}

function appendsTable(rows) {
  return table(
    [
      'mode',
      'writers',
      'event',
      'store appends/s',
      'p50 ms',
      'p99 ms',
      'events/tx',
      'app cpu%',
      'raw inserts/s',
      'p50 ms',
      'p99 ms',
      'store/raw',
    ],
    rows.map((r) => [
      r.mode,
      r.writers,
      r.kind,
      fmtInt(r.store.appendsPerSec) + (r.store.errors ? ` (${r.store.errors} errors)` : ''),
      fmtMs(r.store.p50Ms),
      fmtMs(r.store.p99Ms),
      r.store.eventsPerTx ?? '-',
      r.store.appCpuPct ?? '-',
      fmtInt(r.raw.appendsPerSec) + (r.raw.errors ? ` (${r.raw.errors} errors)` : ''),
      fmtMs(r.raw.p50Ms),
      fmtMs(r.raw.p99Ms),
      fmtRatio(r.ratio),
    ]),
  );
}

function cpuTable(rows) {
  const us = (value) => (value === null || value === undefined ? '-' : fmtInt(value));
  const total = (cpu, names) =>
    names.some((name) => cpu[name] === null || cpu[name] === undefined)
      ? null
      : names.reduce((sum, name) => sum + cpu[name], 0);
  return table(
    [
      'mode',
      'writers',
      'event',
      'store: client',
      'nats',
      'app',
      'postgres',
      'total',
      'busy%',
      'raw: client',
      'postgres',
      'total',
      'busy%',
    ],
    rows.map((r) => {
      const s = r.store.cpuMicrosPerOp;
      const w = r.raw.cpuMicrosPerOp;
      return [
        r.mode,
        r.writers,
        r.kind,
        us(s.client),
        us(s.nats),
        us(s.app),
        us(s.postgres),
        us(total(s, ['client', 'app', 'postgres', ...('nats' in s ? ['nats'] : [])])),
        r.store.machineBusyPct ?? '-',
        us(w.client),
        us(w.postgres),
        us(total(w, ['client', 'postgres'])),
        r.raw.machineBusyPct ?? '-',
      ];
    }),
  );
}

function fetchTable(rows) {
  const out = [];
  for (const r of rows) {
    out.push([
      r.mode,
      'API fetch, limit 1000',
      fmtInt(r.api.events),
      r.api.seconds.toFixed(2),
      fmtInt(r.api.eventsPerSec),
      r.api.eventsPerPage,
      fmtMs(r.api.page.p50Ms),
      fmtMs(r.api.page.p99Ms),
      fmtRatio(r.ratio),
    ]);
    out.push([
      r.mode,
      'raw SELECT, LIMIT 1000',
      fmtInt(r.raw.events),
      r.raw.seconds.toFixed(2),
      fmtInt(r.raw.eventsPerSec),
      r.raw.eventsPerPage,
      fmtMs(r.raw.page.p50Ms),
      fmtMs(r.raw.page.p99Ms),
      '',
    ]);
  }
  return table(
    ['mode', 'reader', 'events', 'seconds', 'events/s', 'per page', 'page p50 ms', 'page p99 ms', 'store/raw'],
    out,
  );
}

function latencyTable(results) {
  const rows = [];
  for (const r of results.latency) {
    rows.push([
      `${r.mode} append -> consumer waiting in fetch`,
      r.consumer.samples,
      fmtMs(r.consumer.p50Ms),
      fmtMs(r.consumer.p99Ms),
      fmtMs(r.consumer.maxMs),
    ]);
    rows.push([
      `${r.mode} append ack (request -> reply)`,
      r.ack.samples,
      fmtMs(r.ack.p50Ms),
      fmtMs(r.ack.p99Ms),
      fmtMs(r.ack.maxMs),
    ]);
    rows.push([
      `${r.mode} ping round trip (no database)`,
      r.ping.samples,
      fmtMs(r.ping.p50Ms),
      fmtMs(r.ping.p99Ms),
      fmtMs(r.ping.maxMs),
    ]);
  }
  const hop = results.natsHop;
  rows.push([
    'baseline: raw NATS publish -> subscriber',
    hop.samples,
    fmtMs(hop.p50Ms),
    fmtMs(hop.p99Ms),
    fmtMs(hop.maxMs),
  ]);
  return table(['path', 'samples', 'p50 ms', 'p99 ms', 'max ms'], rows);
}

function groupCommitVerdict(rows, writers) {
  const top = rows.filter((r) => r.writers === writers);
  return top.map((r) => ({
    mode: r.mode,
    event: r.kind,
    writers,
    storeAppendsPerSec: r.store.appendsPerSec,
    rawInsertsPerSec: r.raw.appendsPerSec,
    eventsPerTx: r.store.eventsPerTx,
    ratio: r.ratio,
    holds: r.store.errors === 0 && r.store.appendsPerSec > r.raw.appendsPerSec,
  }));
}

/**
 * Emmett on a fresh database of its own, the event store's aggregate writers' figures beside it
 * (both modes) and the ratio to the raw inserts measured at the same writer count.
 */
async function emmettBaseline(admin, appends, options) {
  const databaseUrl = freshDatabaseUrl();
  await admin.query(`CREATE DATABASE "${new URL(databaseUrl).pathname.slice(1)}"`);
  onCleanup(() => dropDatabase(admin, databaseUrl));
  const database = new URL(databaseUrl).pathname.slice(1);
  const points = await emmettPoints({
    databaseUrl,
    writers: options.writers,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    payloadOf,
    meter: { database },
  });
  await dropDatabase(admin, databaseUrl);
  return points.map((point) => {
    const same = appends.filter((a) => a.writers === point.writers && a.kind === 'aggregate');
    const raw = same.length > 0 ? same[same.length - 1].raw.appendsPerSec : null;
    return {
      ...point,
      store: Object.fromEntries(same.map((a) => [a.mode, a.store.appendsPerSec])),
      rawInsertsPerSec: raw,
      ratioToRaw: raw ? round(point.appendsPerSec / raw, 2) : null,
    };
  });
}

function emmettTable(rows) {
  return table(
    ['writers', 'emmett appends/s', 'p50 ms', 'p99 ms', 'raw inserts/s', 'emmett/raw', 'store CPES/s', 'store APES/s'],
    rows.map((r) => [
      r.writers,
      fmtInt(r.appendsPerSec) + (r.errors ? ` (${r.errors} errors)` : ''),
      fmtMs(r.p50Ms),
      fmtMs(r.p99Ms),
      fmtInt(r.rawInsertsPerSec),
      fmtRatio(r.ratioToRaw),
      fmtInt(r.store.CPES ?? null),
      fmtInt(r.store.APES ?? null),
    ]),
  );
}

function report(results, options) {
  const lines = [header(results.machine, options), ''];
  lines.push(
    `Appends: each writer appends one event and awaits the ack, in a loop; raw = pg Pool of as many`,
    `connections, one autocommit INSERT ... RETURNING position per iteration into a copy of event_store.events.`,
    `Raw and store are measured in turns, ${options.rounds} slices each per point, so a drifting machine weighs on both alike.`,
    `events/tx = events per database transaction (group commit batch size); app cpu% = event-store process, % of one core.`,
    '',
    appendsTable(results.appends),
    '',
  );
  lines.push(
    'CPU per append in microseconds: CPU time each process used in the measured window / appends acknowledged',
    '(client = this bench process; postgres = backends of the bench database + server processes); busy% = whole machine.',
    '',
    cpuTable(results.appends),
    '',
  );
  const top = Math.max(...options.writers);
  if (results.groupCommit.length > 0) {
    lines.push(
      `Claim: "at ${top} writers the event store appends faster than ${top} clients doing raw single-row inserts"`,
    );
    for (const v of results.groupCommit) {
      lines.push(
        `  ${v.mode} ${v.event.padEnd(9)} ${fmtInt(v.storeAppendsPerSec).padStart(7)}/s vs raw ${fmtInt(v.rawInsertsPerSec).padStart(7)}/s ` +
          `= ${fmtRatio(v.ratio).padStart(6)}, ${String(v.eventsPerTx).padStart(5)} events/tx: ${v.holds ? 'HOLDS' : 'DOES NOT HOLD'}`,
      );
    }
    lines.push('');
  }
  if (results.emmett.length > 0) {
    lines.push(
      "Peer: emmett's PostgreSQL event store (@event-driven-io/emmett-postgresql) on the same Postgres, each writer",
      "appending one event to its own stream with the expected version; raw = the last mode's raw inserts above.",
      '',
      emmettTable(results.emmett),
      '',
    );
  }
  lines.push(`Fetch: read ${fmtInt(options.fetchEvents)} events from position 0, paging with the returned cursor`, '');
  lines.push(fetchTable(results.fetch), '');
  lines.push(
    `Latency: one append every ${options.intervalMs} ms while a consumer waits in fetch (waitMs 10000) with its cursor;`,
    'received minus sent, same process and clock',
    '',
  );
  lines.push(latencyTable(results), '');
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
  if (options.build) await buildIfNeeded('event-store');
  else if (!existsSync(entryOf('event-store'))) {
    throw new Error('dist/apps/event-store/src/main.js is missing; build first');
  }

  const { url: natsUrl, pid: natsPid, info: natsInfo } = await benchNats(options.natsUrl);

  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => {});
  await admin.connect();
  onCleanup(() => admin.end());
  const nc = await connectNats(natsUrl, 'evento-bench');
  onCleanup(() => nc.close());
  const ncConsumer = await connectNats(natsUrl, 'evento-bench-consumer');
  onCleanup(() => ncConsumer.close());

  const machine = await describeMachine(admin, nc, natsInfo);
  machine.busyPctBeforeStart = await machineBusyOver(1000);
  process.stdout.write(`${header(machine, options)}\n\n`);

  const results = {
    startedAt: startedAt.toISOString(),
    machine,
    options: { ...options, out: undefined },
    appends: [],
    groupCommit: [],
    fetch: [],
    latency: [],
    natsHop: null,
    emmett: [],
    warnings: [],
  };

  for (const mode of options.modes) {
    const databaseUrl = freshDatabaseUrl();
    onCleanup(() => dropDatabase(admin, databaseUrl));
    const app = await startEventStore(mode, databaseUrl, natsUrl, nc);
    const db = new pg.Client({ connectionString: databaseUrl });
    // Ctrl-C drops the database under this connection; the error is expected then.
    db.on('error', () => {});
    await db.connect();
    const database = new URL(databaseUrl).pathname.slice(1);
    const meter = { children: { app: app.child.pid, ...(natsPid ? { nats: natsPid } : {}) }, database };
    const ctx = { mode, nc, ncConsumer, db, databaseUrl, database, app, meter };
    try {
      const fetched = await fetchPoint(ctx, options);
      results.fetch.push(fetched);
      if (fetched.api.outOfOrder > 0 || fetched.api.lastPosition !== String(options.fetchEvents)) {
        results.warnings.push(
          `${mode}: the API fetch returned ${fetched.api.outOfOrder} events out of order and ended at position ` +
            `${fetched.api.lastPosition} after ${fetched.api.events} events (expected ${options.fetchEvents} in order)`,
        );
      }
      await createRawTable(db);
      results.appends.push(...(await appendPoints(ctx, options)));
      progress(`${mode} append -> consumer latency, ${options.samples} samples`);
      const latency = await consumerLatency(ctx, options);
      const ping = await pingLatency(nc, options.samples);
      results.latency.push({ mode, ...latency, ping });
      if (!(await onlyOurs(nc, app.instanceId))) {
        results.warnings.push(`${mode}: another event-store joined the queue group during the run; figures are mixed`);
      }
      if (latency.consumer.missing > 0) {
        results.warnings.push(`${mode}: the consumer missed ${latency.consumer.missing} events within 15 s`);
      }
    } finally {
      await db.end();
      const exit = await app.child.stop();
      if (exit.code !== 0) results.warnings.push(`event-store ${mode} exited with ${exit.signal ?? exit.code}`);
      await dropDatabase(admin, databaseUrl);
    }
  }

  if (options.emmett) results.emmett = await emmettBaseline(admin, results.appends, options);

  progress(`raw NATS hop baseline, ${options.samples} samples`);
  results.natsHop = await natsHopLatency(nc, ncConsumer, options);
  results.groupCommit = groupCommitVerdict(results.appends, Math.max(...options.writers));
  for (const e of results.appends) {
    if (e.store.errors) {
      results.warnings.push(`${e.mode} ${e.kind} ${e.writers}: ${e.store.errors} errors, e.g. ${e.store.firstError}`);
    }
    if (e.raw.errors) results.warnings.push(`raw ${e.writers}: ${e.raw.errors} errors, e.g. ${e.raw.firstError}`);
  }
  if (results.machine.busyPctBeforeStart > 20) {
    results.warnings.push(
      `the machine was ${results.machine.busyPctBeforeStart}% busy before the bench started: other load shares the CPU`,
    );
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
