// Turns the JSON results of the benchmarks into the Markdown report bench/results/latest.md and
// its SVG charts. Each figure is shown in its units and as the ratio to its baseline.

import { barChart, lineChart } from './svg-charts.mjs';

const int = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
const ms = (v) =>
  v === null || v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
// Small ratios (a per-event transaction against a raw SELECT) keep a third digit, not 0.00×.
const ratio = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(v < 0.095 ? 3 : 2)}×`);
const div = (a, b) => (a === null || a === undefined || !b ? null : a / b);
const mib = (bytes) => (bytes === null || bytes === undefined ? '–' : `${Math.round(bytes / 1024 / 1024)} MiB`);

function mdTable(headers, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c ?? '–')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

function machineSection(machine) {
  if (!machine) return [];
  return [
    '## Machine',
    '',
    `- ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}`,
    `- Node ${machine.node}; ${machine.postgres?.split(' on ')[0]} (fsync=${machine.postgresSettings?.fsync}, ` +
      `synchronous_commit=${machine.postgresSettings?.synchronous_commit}, shared_buffers=${machine.postgresSettings?.shared_buffers}); ` +
      `nats-server ${machine.nats}`,
    `- Load average at start ${machine.loadAverage?.join(' ')}; ${machine.busyPctBeforeStart ?? '?'}% busy over the second before the first bench`,
    '',
  ];
}

function appendsSection(es, charts) {
  if (!es?.appends?.length) return [];
  const writers = [...new Set(es.appends.map((a) => a.writers))];
  const modes = [...new Set(es.appends.map((a) => a.mode))];
  const emmettAt = (w) => es.emmett?.find((e) => e.writers === w) ?? null;
  const rows = [];
  for (const a of es.appends) {
    const emmett = a.kind === 'aggregate' ? emmettAt(a.writers) : null;
    rows.push([
      a.mode,
      a.writers,
      a.kind,
      int(a.store.appendsPerSec),
      ms(a.store.p50Ms),
      int(a.raw.appendsPerSec),
      ratio(a.ratio),
      emmett ? int(emmett.appendsPerSec) : '–',
      emmett ? ratio(div(a.store.appendsPerSec, emmett.appendsPerSec)) : '–',
      a.store.eventsPerTx ?? '–',
    ]);
  }
  const series = modes.map((mode) => ({
    name: `store ${mode}`,
    values: writers.map(
      (w) =>
        es.appends.find((a) => a.mode === mode && a.writers === w && a.kind === 'aggregate')?.store.appendsPerSec ??
        null,
    ),
  }));
  series.push({
    name: 'raw pg insert',
    values: writers.map((w) => {
      const same = es.appends.filter((a) => a.writers === w);
      return same.length ? same[same.length - 1].raw.appendsPerSec : null;
    }),
  });
  if (es.emmett?.length) {
    series.push({ name: 'emmett', values: writers.map((w) => emmettAt(w)?.appendsPerSec ?? null) });
  }
  charts['appends.svg'] = barChart({
    title: 'Appends per second (aggregate events, one per append)',
    yLabel: 'appends/s',
    groups: writers.map((w) => `${w} writer${w === 1 ? '' : 's'}`),
    series,
  });
  return [
    '## 1. Appends',
    '',
    'Each writer appends one event and awaits the acknowledgement, in a loop. Baselines: raw `pg` single-row',
    "autocommit INSERTs into a table of the same shape and indexes, and emmett's PostgreSQL event store",
    '(`@event-driven-io/emmett-postgresql`) on the same Postgres, each writer on its own stream with the expected version.',
    'Raw inserts and the store are measured in turns (several slices each per point, raw, service, aggregate, raw, …),',
    'so a machine that runs faster or slower for a few seconds weighs on both alike.',
    '',
    mdTable(
      [
        'mode',
        'writers',
        'event',
        'store appends/s',
        'p50 ms',
        'raw inserts/s',
        'store/raw',
        'emmett appends/s',
        'store/emmett',
        'events/tx',
      ],
      rows,
    ),
    '',
    '![appends](charts/appends.svg)',
    '',
  ];
}

function roundTripSection(gw, sdk, charts) {
  if (!gw?.points?.length) return [];
  const rows = gw.points.map((p) => [
    p.clients,
    p.aggregates === p.clients ? 'own' : `${p.aggregates} shared`,
    int(p.suite.opsPerSec),
    ms(p.suite.p50Ms),
    ms(p.suite.p99Ms),
    int(p.floor.opsPerSec),
    ms(p.floor.p50Ms),
    ms(p.floor.p99Ms),
    ratio(p.ratio.throughput),
    ratio(p.ratio.p50),
  ]);
  const own = gw.points.filter((p) => p.aggregates === p.clients);
  charts['round-trip.svg'] = barChart({
    title: 'Domain command round trip: commands per second',
    yLabel: 'commands/s',
    groups: own.map((p) => `${p.clients} client${p.clients === 1 ? '' : 's'}`),
    series: [
      { name: 'gateway + event store + bundle', values: own.map((p) => p.suite.opsPerSec) },
      { name: 'floor (4 NATS hops + 1 insert)', values: own.map((p) => p.floor.opsPerSec) },
      ...(sdk?.commandRoundTrip
        ? [
            {
              name: 'the same with an SDK bundle (2b)',
              values: own.map((p) => sdkPoint(sdk, p.clients)?.sdk.opsPerSec ?? null),
            },
          ]
        : []),
    ],
  });
  return [
    '## 2. Domain-command round trip',
    '',
    'Client → gateway → event store (story) → bundle → event store (append) → reply. The floor is the same',
    'clients doing 4 raw NATS request/reply round trips plus one raw Postgres insert, in sequence.',
    '',
    mdTable(
      [
        'clients',
        'aggregates',
        'commands/s',
        'p50 ms',
        'p99 ms',
        'floor ops/s',
        'floor p50',
        'floor p99',
        'throughput/floor',
        'p50/floor',
      ],
      rows,
    ),
    '',
    '![round trip](charts/round-trip.svg)',
    '',
  ];
}

/** The SDK bench's point at `clients`: the one-at-a-time figures at 1, the closed-loop ones above. */
function sdkPoint(sdk, clients) {
  if (clients === 1 && sdk?.commandRoundTrip) {
    return {
      clients: 1,
      sdk: sdk.commandRoundTrip,
      floor: sdk.commandFloor ?? {},
      ratio: {
        throughput: div(sdk.commandRoundTrip.opsPerSec, sdk.commandFloor?.opsPerSec),
        p50: div(sdk.commandRoundTrip.p50Ms, sdk.commandFloor?.p50Ms),
      },
    };
  }
  return sdk?.throughput?.find((p) => p.clients === clients) ?? null;
}

function sdkSection(sdk) {
  if (!sdk?.commandRoundTrip) return [];
  const points = [sdkPoint(sdk, 1), ...(sdk.throughput ?? [])];
  return [
    '## 2b. Through a bundle written with the SDK',
    '',
    "The SDK's command gateway → gateway → event store (story) → an aggregate in an SDK bundle (in the bench's",
    'process) → event store (append) → reply. At 1 client one command at a time; at 16 and 64 clients a closed loop,',
    "each client on its own aggregate, with the bundle's projector paused. The floor is the same clients doing",
    `${sdk.hops ?? 4} raw NATS request/reply round trips plus one raw Postgres insert, in sequence, in the same run.`,
    '',
    mdTable(
      [
        'clients',
        'commands/s',
        'p50 ms',
        'p99 ms',
        'floor ops/s',
        'floor p50',
        'floor p99',
        'throughput/floor',
        'p50/floor',
      ],
      points.map((p) => [
        p.clients,
        int(p.sdk.opsPerSec),
        ms(p.sdk.p50Ms),
        ms(p.sdk.p99Ms),
        int(p.floor.opsPerSec),
        ms(p.floor.p50Ms),
        ms(p.floor.p99Ms),
        ratio(p.ratio.throughput),
        ratio(p.ratio.p50),
      ]),
    ),
    '',
    "From the command's reply to the SDK projector having applied the event to its Postgres read model",
    '(`waitForPosition`), one at a time:',
    '',
    mdTable(
      ['measure', 'p50 ms', 'p99 ms', 'baseline', 'baseline p50', 'baseline p99', 'p50/baseline'],
      [
        [
          'append → SDK projector applied it',
          ms(sdk.appendToView.p50Ms),
          ms(sdk.appendToView.p99Ms),
          'NATS publish → subscriber',
          ms(sdk.natsHop?.p50Ms),
          ms(sdk.natsHop?.p99Ms),
          ratio(div(sdk.appendToView.p50Ms, sdk.natsHop?.p50Ms)),
        ],
      ],
    ),
    '',
  ];
}

function catchUpSection(es, sdk) {
  const c = sdk?.catchUp;
  if (!es?.fetch?.length && !c) return [];
  const rows = (es?.fetch ?? []).map((f) => [
    'fetch API, 1000 a page (event-store bench)',
    f.mode,
    int(f.api.events),
    int(f.api.eventsPerSec),
    int(f.raw.eventsPerSec),
    ratio(f.ratio),
  ]);
  if (c) {
    const row = (name, r) => [
      name,
      'CPES',
      int(r.events),
      int(r.eventsPerSec),
      int(c.raw.eventsPerSec),
      ratio(div(r.eventsPerSec, c.raw.eventsPerSec)),
    ];
    rows.push(row('fetch API, 500 a page (SDK bench)', c.api));
    rows.push(row('SDK projector doing nothing, in-memory checkpoints', c.projector));
    if (c.projectorPg) rows.push(row('SDK projector doing nothing, Postgres checkpoints', c.projectorPg));
    if (c.rawCheckpoint) rows.push(row("raw BEGIN, UPDATE, COMMIT per event (that row's floor)", c.rawCheckpoint));
  }
  return [
    '## 3. Consumer catch-up',
    '',
    'Reading the whole log from position 0 through the fetch API, paging with the returned cursor, vs a raw paged `SELECT`',
    '(1000 rows a page) of the same rows in the same run. The SDK rows: events seeded in a context of their own, a new',
    "bundle's projector that does nothing reads them from 0, timed from the bundle's start until `waitForPosition` on",
    'the last event resolves. With Postgres checkpoints the SDK moves the checkpoint in a transaction per event, so that',
    'row reads only the first events of the same log, beside as many raw one-row update transactions (its floor).',
    '',
    mdTable(['reader', 'mode', 'events', 'events/s', 'raw SELECT events/s', 'reader/raw'], rows),
    '',
  ];
}

function deliverySection(es) {
  if (!es?.latency?.length) return [];
  const hop = es.natsHop;
  return [
    '## 4. Event delivery latency',
    '',
    'From an append being sent to a consumer waiting in fetch (`waitMs`) receiving it, vs a raw NATS publish → subscriber hop.',
    '',
    mdTable(
      ['path', 'p50 ms', 'p99 ms', 'p50 vs NATS hop'],
      [
        ...es.latency.map((l) => [
          `${l.mode} append → waiting consumer`,
          ms(l.consumer.p50Ms),
          ms(l.consumer.p99Ms),
          ratio(div(l.consumer.p50Ms, hop?.p50Ms)),
        ]),
        ...(hop ? [['raw NATS publish → subscriber', ms(hop.p50Ms), ms(hop.p99Ms), '1.00×']] : []),
      ],
    ),
    '',
  ];
}

function growthSection(growth, charts) {
  if (!growth?.points?.length) return [];
  charts['growth.svg'] = lineChart({
    title: 'Latency as the store grows (p50)',
    yLabel: 'ms',
    xLabel: 'events in the store',
    logX: true,
    series: [
      { name: 'append (API)', points: growth.points.map((p) => ({ x: p.size, y: p.append.p50Ms })) },
      { name: 'story load (API)', points: growth.points.map((p) => ({ x: p.size, y: p.story.p50Ms })) },
      { name: 'raw insert', points: growth.points.map((p) => ({ x: p.size, y: p.rawInsert.p50Ms })) },
      { name: 'raw story select', points: growth.points.map((p) => ({ x: p.size, y: p.rawStory.p50Ms })) },
    ],
  });
  return [
    '## 5. Growth',
    '',
    'One writer appending one event to a new aggregate, and a random 10-event aggregate story loaded, with the store',
    'bulk-loaded to each size; baselines are a raw INSERT into the same table and a raw SELECT of the same rows.',
    '',
    mdTable(
      [
        'events in store',
        'append p50 ms',
        'raw insert p50',
        'append/raw',
        'story p50 ms',
        'raw select p50',
        'story/raw',
      ],
      growth.points.map((p) => [
        int(p.size),
        ms(p.append.p50Ms),
        ms(p.rawInsert.p50Ms),
        ratio(p.appendRatio),
        ms(p.story.p50Ms),
        ms(p.rawStory.p50Ms),
        ratio(p.storyRatio),
      ]),
    ),
    '',
    '![growth](charts/growth.svg)',
    '',
  ];
}

function memorySection(results) {
  const rows = [];
  for (const [bench, r] of Object.entries(results)) {
    for (const [name, bytes] of Object.entries(r?.memory ?? {})) rows.push([bench, name, mib(bytes)]);
  }
  if (rows.length === 0) return [];
  return [
    '## 6. Memory',
    '',
    'Peak resident memory (VmHWM) of each process the benchmarks started.',
    '',
    mdTable(['benchmark', 'process', 'peak RSS'], rows),
    '',
  ];
}

/** The headline ratios, for the top of the report and the README. */
export function headlines(results) {
  const lines = [];
  const es = results['event-store'];
  if (es?.appends?.length) {
    const top = Math.max(...es.appends.map((a) => a.writers));
    for (const a of es.appends.filter((x) => x.writers === top && x.kind === 'aggregate')) {
      const emmett = es.emmett?.find((e) => e.writers === top);
      lines.push(
        `Appends at ${top} writers (${a.mode}): ${int(a.store.appendsPerSec)}/s, ${ratio(a.ratio)} raw inserts` +
          (emmett ? `, ${ratio(div(a.store.appendsPerSec, emmett.appendsPerSec))} emmett` : ''),
      );
    }
  }
  const gw = results.gateway;
  const one = gw?.points?.find((p) => p.clients === 1);
  if (one) lines.push(`Domain command at 1 client: p50 ${ms(one.suite.p50Ms)} ms, ${ratio(one.ratio.p50)} the floor`);
  const busiest = gw?.points?.filter((p) => p.aggregates === p.clients).at(-1);
  if (busiest && busiest !== one) {
    lines.push(
      `Domain commands at ${busiest.clients} clients: ${int(busiest.suite.opsPerSec)}/s, ${ratio(busiest.ratio.throughput)} the floor`,
    );
  }
  const sdk = results.sdk;
  if (sdk?.commandRoundTrip) {
    const busiestSdk = sdk.throughput?.at(-1);
    lines.push(
      `SDK bundle: domain command at 1 client p50 ${ms(sdk.commandRoundTrip.p50Ms)} ms, ` +
        `${ratio(div(sdk.commandRoundTrip.p50Ms, sdk.commandFloor?.p50Ms))} the floor` +
        (busiestSdk
          ? `; at ${busiestSdk.clients} clients ${int(busiestSdk.sdk.opsPerSec)}/s, ${ratio(busiestSdk.ratio.throughput)} the floor`
          : ''),
    );
  }
  if (es?.fetch?.length) {
    lines.push(`Catch-up: ${int(es.fetch[0].api.eventsPerSec)} events/s, ${ratio(es.fetch[0].ratio)} a raw SELECT`);
  }
  const c = sdk?.catchUp;
  if (c) {
    lines.push(
      `Catch-up through an SDK projector doing nothing: ${int(c.projector.eventsPerSec)} events/s, ` +
        `${ratio(div(c.projector.eventsPerSec, c.raw.eventsPerSec))} a raw SELECT` +
        (c.projectorPg ? ` (with Postgres checkpoints ${int(c.projectorPg.eventsPerSec)} events/s)` : ''),
    );
  }
  const growth = results.growth?.points;
  if (growth?.length > 1) {
    const first = growth[0];
    const last = growth[growth.length - 1];
    lines.push(
      `Append p50 from ${int(first.size)} to ${int(last.size)} events: ${ms(first.append.p50Ms)} → ${ms(last.append.p50Ms)} ms`,
    );
  }
  return lines;
}

/** The whole report; `charts` receives the SVG files to write (name → content). */
export function renderReport({ generatedAt, mode, results, durations }, charts) {
  const machine = Object.values(results).find((r) => r?.machine)?.machine;
  const warnings = Object.entries(results).flatMap(([bench, r]) => (r?.warnings ?? []).map((w) => `${bench}: ${w}`));
  const lines = [
    '# Evento Server benchmark report',
    '',
    `Generated ${generatedAt} by \`npm run bench${mode === 'quick' ? ' -- --quick' : ''}\` (${mode} run). Every figure`,
    'is measured beside its baseline in the same run on the same machine; the ratios are the figures to compare.',
    '',
    '## Headlines',
    '',
    ...headlines(results).map((line) => `- ${line}`),
    '',
    ...machineSection(machine),
    ...appendsSection(results['event-store'], charts),
    ...roundTripSection(results.gateway, results.sdk, charts),
    ...sdkSection(results.sdk),
    ...catchUpSection(results['event-store'], results.sdk),
    ...deliverySection(results['event-store']),
    ...growthSection(results.growth, charts),
    ...memorySection(results),
  ];
  if (warnings.length > 0) lines.push('## Warnings', '', ...warnings.map((w) => `- ${w}`), '');
  lines.push(
    '## Runs',
    '',
    mdTable(
      ['benchmark', 'seconds', 'outcome'],
      Object.entries(durations).map(([bench, d]) => [bench, d.seconds, d.outcome]),
    ),
    '',
  );
  return lines.join('\n');
}
