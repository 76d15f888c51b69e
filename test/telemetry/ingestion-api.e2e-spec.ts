import { waitFor } from '@evento/testing';
import { exactQuantile, HISTOGRAM_RELATIVE_ERROR } from '../../apps/telemetry/src/rollups/log-histogram';
import { useApps } from '../support/apps';
import { bucketStart, FAST_FLUSH, gatewaySample, getJson, iso, sample, SimulatedBundle } from './support';

// Jest applies the projects' testTimeout globally only; these tests wait on flushes and boots.
jest.setTimeout(60_000);

interface Summary {
  count: number;
  errors: number;
  errorRate: number;
  throughputPerSec: number;
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}
interface Series {
  total: Summary;
  handlers: Array<Summary & { handler: string; payload: string }>;
  points: Array<Summary & { start: string }>;
}
interface SenderStats {
  sender: string;
  accepted: number;
  refused: Record<string, number>;
}

const withinError = (estimate: number | null, exact: number) =>
  expect(Math.abs((estimate ?? Number.NaN) - exact) / exact).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);

describe('telemetry ingestion and query API', () => {
  const suite = useApps('telemetry', { label: 'telemetry_api', env: FAST_FLUSH });
  const url = () => suite.apps[0].url;

  it('returns exact counts, means and error rates, and percentiles within the histogram error', async () => {
    const bundle = new SimulatedBundle(suite.nc, 'orders');
    // Two 10 s buckets that together make one 20 s step (steps align to multiples of their width).
    const b0 = bucketStart(2, 20_000);
    const b1 = b0 + 10_000;
    // 200 executions: durations 1..100 ms in the first bucket, 101..200 ms in the second;
    // every 20th fails.
    const durations = Array.from({ length: 200 }, (_, i) => i + 1);
    const samples = durations.map((ms, i) =>
      sample({ startedAt: (i < 100 ? b0 : b1) + i, durationMs: ms, outcome: (i + 1) % 20 === 0 ? 'error' : 'ok' }),
    );
    bundle.sendSamples(samples, 70);
    // Another handler of the same component, to check the per-handler split.
    bundle.sendSamples([sample({ handler: 'cancel', payload: 'CancelOrder', startedAt: b0, durationMs: 7 })]);

    const query = `${url()}/performance/series?bundleId=orders&component=OrderAggregate&from=${iso(b0)}&to=${iso(b1 + 10_000)}`;
    await waitFor(async () => (await getJson<Series>(query)).body.total?.count === 201, { timeoutMs: 10_000 });
    const { status, body } = await getJson<Series>(`${query}&handler=handle`);
    expect(status).toBe(200);
    expect(body.total.count).toBe(200);
    expect(body.total.errors).toBe(10);
    expect(body.total.errorRate).toBeCloseTo(0.05, 12);
    expect(body.total.meanMs).toBeCloseTo(100.5, 9);
    expect(body.total.minMs).toBe(1);
    expect(body.total.maxMs).toBe(200);
    expect(body.total.throughputPerSec).toBeCloseTo(200 / 20, 9);
    withinError(body.total.p50Ms, exactQuantile(durations, 0.5));
    withinError(body.total.p95Ms, exactQuantile(durations, 0.95));
    withinError(body.total.p99Ms, exactQuantile(durations, 0.99));

    expect(body.points.map((p) => [p.start, p.count, p.errors])).toEqual([
      [iso(b0), 100, 5],
      [iso(b1), 100, 5],
    ]);
    expect(body.points[0].meanMs).toBeCloseTo(50.5, 9);
    expect(body.points[1].meanMs).toBeCloseTo(150.5, 9);
    withinError(body.points[1].p95Ms, exactQuantile(durations.slice(100), 0.95));

    const whole = await getJson<Series>(`${query}&stepSeconds=20`);
    expect(whole.body.points.map((p) => p.count)).toEqual([201]);
    expect(whole.body.handlers.map((h) => [h.handler, h.payload, h.count])).toEqual([
      ['cancel', 'CancelOrder', 1],
      ['handle', 'PlaceOrder', 200],
    ]);
  });

  it('drops malformed samples with the rest of their batch kept, and counts them per sender and subject', async () => {
    const bundle = new SimulatedBundle(suite.nc, 'sloppy');
    const at = bucketStart(1);
    bundle.send({
      samples: [
        sample({ component: 'C', startedAt: at, durationMs: 5 }),
        { ...sample({ component: 'C', startedAt: at, durationMs: -1 }) },
        { ...sample({ component: 'C', startedAt: at, durationMs: 5 }), outcome: 'maybe' as 'ok' },
        sample({ component: 'C', startedAt: at, durationMs: 7 }),
        // Far outside the accepted window (a year ago).
        sample({ component: 'C', startedAt: at - 365 * 86_400_000, durationMs: 7 }),
      ],
    });
    suite.nc.publish('evento.v1.telemetry.samples.bundle', 'not json');
    suite.nc.publish('evento.v1.telemetry.samples.bundle', JSON.stringify({ bundleId: 'bad id!', samples: [] }));

    const query = `${url()}/performance/series?bundleId=sloppy&component=C&from=${iso(at)}&to=${iso(at + 10_000)}`;
    await waitFor(async () => (await getJson<Series>(query)).body.total?.count === 2, { timeoutMs: 10_000 });
    const stats = (await getJson<SenderStats[]>(`${url()}/performance/ingestion`)).body;
    const sloppy = stats.find((s) => s.sender === 'bundle:sloppy/sloppy-1');
    expect(sloppy).toMatchObject({ accepted: 2, refused: { malformed: 2, 'out-of-window': 1, 'rate-limited': 0 } });
    const metrics = await (await fetch(`${url()}/metrics`)).text();
    expect(metrics).toMatch(/evento_telemetry_entries_refused_total\{reason="malformed",app="telemetry"\} 2/);
    // Batches whose envelope is unreadable or broken are counted by the edge, which drops them.
    const dropped = (code: string) =>
      new RegExp(
        `evento_nats_dropped_messages_total\\{[^}]*subject="evento.v1.telemetry.samples.bundle",code="${code}"[^}]*\\} 1`,
      );
    expect(metrics).toMatch(dropped('MALFORMED_MESSAGE'));
    expect(metrics).toMatch(dropped('VALIDATION_FAILED'));
    // The app is still serving.
    expect((await fetch(`${url()}/health/ready`)).status).toBe(200);
  });

  it('serves the gateway per-command breakdown', async () => {
    const at = bucketStart(2);
    const samples = [
      gatewaySample({ startedAt: at, waitMs: 1, loadMs: 2, bundleMs: 10, appendMs: 3, totalMs: 16 }),
      gatewaySample({ startedAt: at + 1, waitMs: 3, loadMs: 4, bundleMs: 20, appendMs: 5, totalMs: 32 }),
      gatewaySample({ startedAt: at + 2, totalMs: 8, outcome: 'error', errorCode: 'CONFLICT' }),
      gatewaySample({ kind: 'query', payload: 'GetOrder', bundleId: 'orders', startedAt: at, totalMs: 4 }),
    ];
    suite.nc.publish('evento.v1.telemetry.samples.gateway', JSON.stringify({ gatewayInstanceId: 'gw-1', samples }));
    const query = `${url()}/performance/commands?from=${iso(at)}&to=${iso(at + 10_000)}`;
    interface CommandView extends Summary {
      kind: string;
      payload: string;
      errorCodes: Record<string, number>;
      wait: { meanMs: number };
      bundle: { meanMs: number };
      append: { meanMs: number };
    }
    await waitFor(async () => (await getJson<CommandView[]>(query)).body.length === 2, { timeoutMs: 10_000 });
    const { body } = await getJson<CommandView[]>(query);
    const place = body.find((c) => c.payload === 'PlaceOrder')!;
    expect(place).toMatchObject({ kind: 'domain-command', count: 3, errors: 1, errorCodes: { CONFLICT: 1 } });
    expect(place.meanMs).toBeCloseTo(56 / 3, 9);
    expect(place.wait.meanMs).toBeCloseTo(5 / 3, 9);
    expect(place.bundle.meanMs).toBeCloseTo(33 / 3, 9);
    expect(place.append.meanMs).toBeCloseTo(12 / 3, 9);
    const filtered = await getJson<CommandView[]>(`${query}&kind=query`);
    expect(filtered.body.map((c) => c.payload)).toEqual(['GetOrder']);
  });

  it('keeps resource reports per instance', async () => {
    const a = new SimulatedBundle(suite.nc, 'stock', 'stock-a');
    const b = new SimulatedBundle(suite.nc, 'stock', 'stock-b');
    const report = { cpuPercent: 10, rssBytes: 1000, heapUsedBytes: 500, eventLoopDelayMs: 2, inFlight: 1 };
    a.send({ resources: report });
    a.send({ resources: { ...report, cpuPercent: 30, rssBytes: 3000, consumers: [{ consumerId: 'p1', lag: 4 }] } });
    b.send({ resources: { ...report, cpuPercent: 50 } });
    const from = Date.now() - 60_000;
    const query = `${url()}/performance/resources?bundleId=stock&from=${iso(from)}&to=${iso(Date.now() + 60_000)}`;
    interface Usage {
      instanceId: string;
      reports: number;
      avgCpuPercent: number;
      maxRssBytes: number;
      consumers: unknown;
    }
    await waitFor(async () => (await getJson<Usage[]>(query)).body.reduce((n, u) => n + u.reports, 0) === 3, {
      timeoutMs: 10_000,
    });
    const { body } = await getJson<Usage[]>(query);
    expect(body.map((u) => [u.instanceId, u.reports])).toEqual([
      ['stock-a', 2],
      ['stock-b', 1],
    ]);
    expect(body[0].avgCpuPercent).toBeCloseTo(20, 9);
    expect(body[0].maxRssBytes).toBe(3000);
  });

  it('summarises slowest handlers, highest error rates and busiest bundles', async () => {
    const from = bucketStart(12);
    const to = Date.now() + 60_000;
    interface Dashboard {
      slowestHandlers: Array<{ bundleId: string; handler: string; meanMs: number }>;
      highestErrorRates: Array<{ bundleId: string; errorRate: number }>;
      busiestBundles: Array<{ bundleId: string; count: number }>;
    }
    const { status, body } = await getJson<Dashboard>(
      `${url()}/performance/dashboard?from=${iso(from)}&to=${iso(to)}&limit=3`,
    );
    expect(status).toBe(200);
    expect(body.slowestHandlers[0]).toMatchObject({ bundleId: 'orders', handler: 'handle' });
    expect(body.highestErrorRates[0].bundleId).toBe('orders');
    expect(body.busiestBundles[0]).toMatchObject({ bundleId: 'orders', count: 201 });

    // Opened cold, without an interval: the last 15 minutes up to now.
    const cold = await getJson<Dashboard & { from: string; to: string }>(`${url()}/performance/dashboard`);
    expect(cold.status).toBe(200);
    expect(Date.parse(cold.body.to) - Date.parse(cold.body.from)).toBeGreaterThanOrEqual(15 * 60_000 - 10_000);
    expect(Math.abs(Date.parse(cold.body.to) - Date.now())).toBeLessThan(60_000);
  });

  it('answers bad query parameters with a typed 400', async () => {
    const now = Date.now();
    const bad = [
      `/performance/series?bundleId=orders&component=C&from=yesterday&to=${iso(now)}`,
      `/performance/series?bundleId=orders&component=C&from=${iso(now)}&to=${iso(now - 1000)}`,
      `/performance/series?bundleId=orders&component=C&from=${iso(now - 1000)}&to=${iso(now)}&stepSeconds=7`,
      `/performance/series?bundleId=orders&component=C&from=${iso(now - 86_400_000)}&to=${iso(now)}&stepSeconds=10`,
      `/performance/commands?from=${iso(now - 1000)}&to=${iso(now)}&kind=nope`,
      `/performance/dashboard?from=${iso(now - 1000)}&to=${iso(now)}&limit=0`,
    ];
    for (const path of bad) {
      const { status, body } = await getJson<{ code: string }>(`${url()}${path}`);
      expect([path, status, body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
    }
  });
});
