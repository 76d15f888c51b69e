#!/usr/bin/env node
// Benchmark of the event store as it grows: npm run bench:growth [-- options]
//
// Starts the built event-store app (CPES) on a fresh database and a private NATS server, then
// bulk-loads events straight into its tables (10 events per aggregate) until the store holds each
// size in turn: 10 thousand, 1 million and, in the full run, 10 million events. At each size it
// measures, beside a baseline taken at the same size in the same run:
//
//   append latency: one writer, one event per append to a new aggregate, through the app's NATS API
//     vs a raw pg INSERT of one event into the same table
//   aggregate story load: a random 10-event aggregate through the app's NATS API
//     vs a raw SELECT of that aggregate's rows in version order
//
// Results go to stdout as a table and to bench/results/growth.json; progress goes to stderr.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import pg from 'pg';
import {
  ADMIN_URL,
  ROOT,
  benchNats,
  buildIfNeeded,
  connectNats,
  describeMachine,
  dropDatabase,
  fmtInt,
  fmtMs,
  fmtRatio,
  freshDatabaseUrl,
  machineBusyOver,
  machineLines,
  now,
  onCleanup,
  parseFlags,
  peakMemory,
  progress,
  request,
  round,
  runMain,
  startApp,
  summarize,
  table,
} from './support.mjs';

const USAGE = `Usage: npm run bench:growth [-- options]

  --quick            sizes 10,000 and 1,000,000 (default: also 10,000,000), 100 samples per figure
  --sizes=<list>     store sizes to measure at, ascending (e.g. 10000,100000)
  --samples=<n>      appends and story loads per size (default 300; quick 100)
  --nats[=<url>]     use this NATS server instead of a private nats-server
  --no-build         do not run npm run build even if the sources are newer than dist/
  --out=<file>       JSON results (default bench/results/growth.json)
`;

const EVENTS_PER_AGGREGATE = 10;
const CHUNK = 250_000;

function parseOptions(argv) {
  const { flags, number, list, natsUrl } = parseFlags(
    argv,
    ['quick', 'sizes', 'samples', 'nats', 'no-build', 'out'],
    USAGE,
  );
  const quick = flags.has('quick');
  const sizes = list('sizes', quick ? ['10000', '1000000'] : ['10000', '1000000', '10000000']).map(Number);
  if (sizes.some((size, i) => !Number.isInteger(size) || size < 1000 || (i > 0 && size <= sizes[i - 1]))) {
    throw new Error('--sizes must be ascending whole numbers of at least 1000');
  }
  return {
    quick,
    sizes,
    samples: number('samples', quick ? 100 : 300, { min: 10, integer: true }),
    natsUrl: natsUrl(),
    build: !flags.has('no-build'),
    out: flags.has('out') ? String(flags.get('out')) : join(ROOT, 'bench', 'results', 'growth.json'),
  };
}

/**
 * Adds events [from, to) as whole 10-event aggregates; returns seconds. The store reads versions
 * from the log (event_store.aggregates only holds deletion marks), so nothing else to seed.
 */
async function bulkLoad(db, from, to) {
  const started = now();
  for (let lo = from; lo < to; lo += CHUNK) {
    const hi = Math.min(to, lo + CHUNK) - 1;
    await db.query(
      `INSERT INTO event_store.events (event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
       SELECT 'bulk-' || g, 'grow-agg-' || (g / ${EVENTS_PER_AGGREGATE}), (g % ${EVENTS_PER_AGGREGATE}) + 1, 'default', 'BulkEvent',
              jsonb_build_object('orderId', 'order-' || g, 'amount', 123.45, 'currency', 'EUR', 'note', 'bulk loaded event'),
              '{}'::jsonb
         FROM generate_series($1::bigint, $2::bigint) g`,
      [lo, hi],
    );
    progress(`  loaded ${fmtInt(hi + 1)} events`);
  }
  await db.query('VACUUM ANALYZE event_store.events');
  return round((now() - started) / 1000, 1);
}

async function timed(samples, op) {
  const latencies = [];
  for (let i = 0; i < samples; i++) {
    const started = now();
    await op(i);
    latencies.push(now() - started);
  }
  return summarize(latencies);
}

async function measureAt(ctx, size, options) {
  const { nc, db } = ctx;
  const tag = `g${size}`;
  const aggregates = size / EVENTS_PER_AGGREGATE;
  const pick = (i) => `grow-agg-${(i * 7919 + size) % aggregates}`;
  // A few unmeasured rounds, so neither path pays for cold caches or plans.
  for (let i = 0; i < 20; i++) {
    await request(nc, 'evento.v1.event-store.aggregates.story', { aggregateId: pick(i) });
    await db.query('SELECT 1 FROM event_store.events WHERE aggregate_id = $1', [pick(i)]);
  }
  const append = await timed(options.samples, (i) =>
    request(nc, 'evento.v1.event-store.events.append', {
      aggregateId: `${tag}-new-${i}`,
      expectedVersion: 'none',
      events: [{ eventId: `${tag}-append-${i}`, eventName: 'GrowthEvent', payload: { n: i, note: 'growth append' } }],
    }),
  );
  const rawInsert = await timed(options.samples, (i) =>
    db.query(
      `INSERT INTO event_store.events (event_id, aggregate_id, aggregate_version, context, event_name, payload, metadata)
       VALUES ($1, $2, 1, 'default', 'GrowthRawEvent', $3::jsonb, '{}'::jsonb) RETURNING position`,
      [`${tag}-raw-${i}`, `${tag}-raw-${i}`, JSON.stringify({ n: i, note: 'growth append' })],
    ),
  );
  const story = await timed(options.samples, async (i) => {
    const { data } = await request(nc, 'evento.v1.event-store.aggregates.story', { aggregateId: pick(i + 100) });
    if (data.events.length !== EVENTS_PER_AGGREGATE) {
      throw new Error(`story of ${pick(i + 100)} has ${data.events.length} events`);
    }
  });
  const rawStory = await timed(options.samples, (i) =>
    db.query(
      `SELECT position, event_id, aggregate_version, event_name, payload, metadata, created_at
         FROM event_store.events WHERE aggregate_id = $1 ORDER BY aggregate_version`,
      [pick(i + 100)],
    ),
  );
  return {
    size,
    append,
    rawInsert,
    appendRatio: rawInsert.p50Ms ? round(append.p50Ms / rawInsert.p50Ms, 2) : null,
    story,
    rawStory,
    storyRatio: rawStory.p50Ms ? round(story.p50Ms / rawStory.p50Ms, 2) : null,
  };
}

function report(results, options) {
  const rows = results.points.map((p) => [
    fmtInt(p.size),
    p.loadSeconds ?? '-',
    fmtMs(p.append.p50Ms),
    fmtMs(p.append.p99Ms),
    fmtMs(p.rawInsert.p50Ms),
    fmtRatio(p.appendRatio),
    fmtMs(p.story.p50Ms),
    fmtMs(p.story.p99Ms),
    fmtMs(p.rawStory.p50Ms),
    fmtRatio(p.storyRatio),
  ]);
  return [
    'Evento event-store growth benchmark',
    ...machineLines(results.machine),
    `run       ${options.quick ? 'quick' : 'full'}: sizes ${options.sizes.map(fmtInt).join(', ')}, ${options.samples} samples per figure`,
    '',
    'Append: one writer, one event to a new aggregate per append (NATS API) vs one raw INSERT into the same table.',
    'Story: a random 10-event aggregate loaded through the API vs a raw SELECT of its rows in version order.',
    '',
    table(
      [
        'events in store',
        'load s',
        'append p50 ms',
        'p99 ms',
        'raw insert p50',
        'append/raw',
        'story p50 ms',
        'p99 ms',
        'raw select p50',
        'story/raw',
      ],
      rows,
    ),
    '',
    ...results.warnings.map((w) => `WARNING: ${w}`),
    `total ${results.totalSeconds} s; JSON: ${relative(ROOT, options.out) || options.out}`,
  ].join('\n');
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (!isAbsolute(options.out)) options.out = join(process.cwd(), options.out);
  const startedAt = new Date();
  if (options.build) await buildIfNeeded('event-store');
  const { url: natsUrl, info: natsInfo } = await benchNats(options.natsUrl);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => {});
  await admin.connect();
  onCleanup(() => admin.end());
  const nc = await connectNats(natsUrl, 'evento-bench-growth');
  onCleanup(() => nc.close());
  const machine = await describeMachine(admin, nc, natsInfo);
  machine.busyPctBeforeStart = await machineBusyOver(1000);

  const databaseUrl = freshDatabaseUrl();
  onCleanup(() => dropDatabase(admin, databaseUrl));
  const app = await startApp('event-store', { label: 'event-store growth', databaseUrl, natsUrl, nc });
  const db = new pg.Client({ connectionString: databaseUrl });
  db.on('error', () => {});
  await db.connect();
  onCleanup(() => db.end());

  const results = {
    startedAt: startedAt.toISOString(),
    machine,
    options: { ...options, out: undefined },
    points: [],
    warnings: [],
  };
  let loaded = 0;
  for (const size of options.sizes) {
    progress(`growing the store to ${fmtInt(size)} events`);
    const loadSeconds = await bulkLoad(db, loaded, size);
    loaded = size;
    progress(`measuring at ${fmtInt(size)} events`);
    const point = await measureAt({ nc, db }, size, options);
    results.points.push({ ...point, loadSeconds });
    progress(
      `  append p50 ${fmtMs(point.append.p50Ms)} ms (raw ${fmtMs(point.rawInsert.p50Ms)}), story p50 ${fmtMs(point.story.p50Ms)} ms (raw ${fmtMs(point.rawStory.p50Ms)})`,
    );
  }
  if (machine.busyPctBeforeStart > 20) {
    results.warnings.push(
      `the machine was ${machine.busyPctBeforeStart}% busy before the bench started: other load shares the CPU`,
    );
  }
  results.memory = peakMemory();
  await app.child.stop();
  results.totalSeconds = round((Date.now() - startedAt.getTime()) / 1000, 0);
  results.machine.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${report(results, options)}\n`);
}

await runMain(main);
