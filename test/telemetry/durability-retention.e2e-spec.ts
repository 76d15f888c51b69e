import { connectTestNats, dropDatabase, freshDatabaseUrl, queryDatabase, TcpProxy, waitFor } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { PartitionMaintainer } from '../../apps/telemetry/src/storage/partition.maintainer';
import { PartitionsRepository, RETENTION_LOCK } from '../../apps/telemetry/src/storage/partitions.repository';
import { type RunningApp, startApp } from '../support/apps';
import { useApps } from '../support/apps';
import { bucketStart, FAST_FLUSH, getJson, iso, sample, SimulatedBundle } from './support';

// Jest applies the projects' testTimeout globally only; these tests wait on flushes and boots.
jest.setTimeout(60_000);

interface Series {
  total: { count: number; errors: number; meanMs: number | null };
}

describe('rollups across a restart', () => {
  const url = freshDatabaseUrl('telemetry_restart');
  let nc: NatsConnection;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    nc = await connectTestNats();
  });
  afterAll(async () => {
    await running?.app.close();
    await nc.drain();
    await dropDatabase(url);
  });

  it('keeps what was flushed and adds what comes after', async () => {
    // A long flush interval: only the shutdown's final flush can write these samples.
    running = await startApp('telemetry', { DATABASE_URL: url, TELEMETRY_FLUSH_MS: '60000' });
    const bundle = new SimulatedBundle(nc, 'restart');
    const at = bucketStart(1);
    bundle.sendSamples(
      Array.from({ length: 30 }, (_, i) =>
        sample({ startedAt: at, durationMs: i + 1, outcome: i < 3 ? 'error' : 'ok' }),
      ),
    );
    await nc.flush();
    await waitFor(
      async () =>
        (await getJson<Array<{ sender: string; accepted: number }>>(`${running!.url}/performance/ingestion`)).body[0]
          ?.accepted === 30,
      { timeoutMs: 10_000 },
    );
    await running.app.close();
    running = undefined;

    running = await startApp('telemetry', { DATABASE_URL: url, ...FAST_FLUSH });
    const query = `${running.url}/performance/series?bundleId=restart&component=OrderAggregate&from=${iso(at)}&to=${iso(at + 10_000)}`;
    const before = (await getJson<Series>(query)).body.total;
    expect(before).toMatchObject({ count: 30, errors: 3 });
    expect(before.meanMs).toBeCloseTo(15.5, 9);

    // The same bucket again, after the restart: the rollup is merged, not replaced.
    bundle.sendSamples(Array.from({ length: 10 }, () => sample({ startedAt: at, durationMs: 100 })));
    await waitFor(async () => (await getJson<Series>(query)).body.total.count === 40, { timeoutMs: 10_000 });
    const after = (await getJson<Series>(query)).body.total;
    expect(after.errors).toBe(3);
    expect(after.meanMs).toBeCloseTo((465 + 1000) / 40, 9);
  });
});

describe('rollups while Postgres is away', () => {
  const url = freshDatabaseUrl('telemetry_pg_away');
  const proxy = new TcpProxy('127.0.0.1', 5432);
  let nc: NatsConnection;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    nc = await connectTestNats();
    const port = await proxy.start();
    const viaProxy = new URL(url);
    viaProxy.port = String(port);
    running = await startApp('telemetry', { DATABASE_URL: viaProxy.toString(), ...FAST_FLUSH });
  });
  afterAll(async () => {
    proxy.restore();
    await running?.app.close();
    await proxy.stop();
    await nc.drain();
    await dropDatabase(url);
  });

  it('keeps what failed to flush and writes it once Postgres is back', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${running!.url}/metrics`)).text();
      return Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    };
    proxy.cut();
    const bundle = new SimulatedBundle(nc, 'patient');
    const at = bucketStart(1);
    bundle.sendSamples(Array.from({ length: 25 }, () => sample({ startedAt: at, durationMs: 4 })));
    await waitFor(async () => (await metric('evento_telemetry_flush_failures_total')) >= 2, { timeoutMs: 20_000 });
    expect(await metric('evento_telemetry_pending_series')).toBeGreaterThanOrEqual(1);
    proxy.restore();
    await waitFor(
      async () => {
        const rows = await queryDatabase<{ n: number }>(
          url,
          `SELECT coalesce(sum(count), 0)::int AS n FROM telemetry.handler_rollups WHERE bundle_id = 'patient'`,
        );
        return rows[0].n === 25;
      },
      { timeoutMs: 20_000 },
    );
    await waitFor(async () => (await metric('evento_telemetry_pending_series')) === 0, { timeoutMs: 5_000 });
  });
});

describe('retention', () => {
  const suite = useApps('telemetry', {
    label: 'telemetry_retention',
    count: 2,
    env: { ...FAST_FLUSH, TELEMETRY_RETENTION_DAYS: '7' },
  });
  const DAY = 86_400_000;
  const partitions = () => suite.apps[0].app.get(PartitionsRepository).list();

  beforeAll(async () => {
    // The maintenance each replica starts at boot would drop what follows if it ran after it.
    await Promise.all(suite.apps.map((a) => a.app.get(PartitionMaintainer).idle()));
    // Partitions of 10 to 8 days ago, as if the suite had run then, with a row in one of them.
    await suite.apps[0].app.get(PartitionsRepository).ensure(Date.now() - 10 * DAY, Date.now() - 8 * DAY);
    await queryDatabase(
      suite.url,
      `INSERT INTO telemetry.handler_rollups VALUES (now() - interval '9 days', 'old', 'C', 'h', 'p', 1, 0, 1, 1, 1, '{}')`,
    );
  });

  it('skips on every replica while another holds the retention lock', async () => {
    const holder = new Client({ connectionString: suite.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', [RETENTION_LOCK]);
      const outcomes = await Promise.all(suite.apps.map((a) => a.app.get(PartitionMaintainer).applyRetention()));
      expect(outcomes).toEqual([
        { ran: false, dropped: [] },
        { ran: false, dropped: [] },
      ]);
      expect((await partitions()).filter((name) => name.startsWith('handler_rollups_')).length).toBe(3 + 4);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('drops the partitions older than the retention, each exactly once', async () => {
    const before = await partitions();
    const expired = before.filter((name) => {
      const day = /_p(\d{4})(\d{2})(\d{2})$/.exec(name)!;
      return Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) < Date.now() - 7 * DAY - DAY;
    });
    expect(expired).toHaveLength(3 * 4);
    const outcomes = await Promise.all(suite.apps.map((a) => a.app.get(PartitionMaintainer).applyRetention()));
    const dropped = outcomes.flatMap((o) => o.dropped).sort();
    // Whichever replica ran first dropped them all; the other ran after it (or skipped) and found none.
    expect(dropped).toEqual([...expired].sort());
    expect(outcomes.filter((o) => o.dropped.length > 0)).toHaveLength(1);
    expect(await partitions()).toEqual(before.filter((name) => !expired.includes(name)));
    const rows = await queryDatabase(
      suite.url,
      `SELECT count(*)::int AS n FROM telemetry.handler_rollups WHERE bundle_id = 'old'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('keeps the partitions of today and the days ahead ready', async () => {
    const names = await partitions();
    for (const offset of [-1, 0, 1, 2]) {
      const tag = new Date(Date.now() + offset * DAY).toISOString().slice(0, 10).replaceAll('-', '');
      expect(names).toContain(`handler_rollups_p${tag}`);
      expect(names).toContain(`resource_reports_p${tag}`);
    }
  });
});
