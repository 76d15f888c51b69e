import { ErrorCode, EventoError, TelemetryContracts } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { useApps } from '../support/apps';
import { bucketStart, FAST_FLUSH, gatewaySample, getJson, iso, postJson, sample, SimulatedBundle } from './support';

// Jest applies the projects' testTimeout globally only; these tests wait on flushes and boots.
jest.setTimeout(60_000);

interface SenderStats {
  sender: string;
  accepted: number;
  refused: Record<string, number>;
}

describe('per-sender limits', () => {
  const suite = useApps('telemetry', {
    label: 'telemetry_flood',
    env: { ...FAST_FLUSH, TELEMETRY_SENDER_RATE: '100', TELEMETRY_SENDER_BURST: '200' },
  });
  const url = () => suite.apps[0].url;

  it('refuses and counts a flooding sender’s excess while a quiet sender gets through', async () => {
    const flood = new SimulatedBundle(suite.nc, 'flood');
    const quiet = new SimulatedBundle(suite.nc, 'quiet');
    const at = bucketStart(1);
    const batch = Array.from({ length: 100 }, (_, i) => sample({ component: 'F', startedAt: at + i, durationMs: 1 }));
    for (let i = 0; i < 50; i += 1) flood.send({ samples: batch });
    quiet.send({ samples: batch.slice(0, 50).map((s) => ({ ...s, component: 'Q' })) });

    const stats = async () => (await getJson<SenderStats[]>(`${url()}/performance/ingestion`)).body;
    await waitFor(async () => (await stats()).some((s) => s.sender === 'bundle:quiet/quiet-1'), { timeoutMs: 10_000 });
    await waitFor(
      async () => {
        const f = (await stats()).find((s) => s.sender === 'bundle:flood/flood-1');
        return f !== undefined && f.accepted + f.refused['rate-limited'] === 5000;
      },
      { timeoutMs: 10_000 },
    );
    const all = await stats();
    const floodStats = all.find((s) => s.sender === 'bundle:flood/flood-1')!;
    // The burst (200) plus what the rate refilled while the batches arrived; the rest refused.
    expect(floodStats.accepted).toBeGreaterThanOrEqual(200);
    expect(floodStats.accepted).toBeLessThan(1000);
    expect(floodStats.refused['rate-limited']).toBe(5000 - floodStats.accepted);
    expect(all.find((s) => s.sender === 'bundle:quiet/quiet-1')).toMatchObject({
      accepted: 50,
      refused: { 'rate-limited': 0 },
    });

    const query = `${url()}/performance/series?bundleId=flood&component=F&from=${iso(at)}&to=${iso(at + 10_000)}`;
    await waitFor(
      async () => (await getJson<{ total: { count: number } }>(query)).body.total.count === floodStats.accepted,
      {
        timeoutMs: 10_000,
      },
    );
    const metrics = await (await fetch(`${url()}/metrics`)).text();
    const refused = /evento_telemetry_entries_refused_total\{reason="rate-limited",app="telemetry"\} (\d+)/.exec(
      metrics,
    );
    expect(Number(refused?.[1])).toBe(floodStats.refused['rate-limited']);
  });
});

describe('performance model', () => {
  const suite = useApps('telemetry', { label: 'telemetry_model', env: FAST_FLUSH });
  const url = () => suite.apps[0].url;

  /**
   * The network of the unit test, measured: PlaceOrder → OrderAggregate (20 ms, orders) →
   * OrderPlaced → OrderProjector (10 ms, orders) and BillingSaga (50 ms, billing) → ChargeCard
   * half the time → PaymentService (120 ms, billing). orders has 1 instance, billing 2.
   */
  beforeAll(async () => {
    const at = bucketStart(1);
    const orders = new SimulatedBundle(suite.nc, 'orders', 'orders-1');
    const billingA = new SimulatedBundle(suite.nc, 'billing', 'billing-a');
    const billingB = new SimulatedBundle(suite.nc, 'billing', 'billing-b');
    const n = (count: number, s: Parameters<typeof sample>[0]) => Array.from({ length: count }, () => sample(s));
    const resources = { cpuPercent: 1, rssBytes: 1, heapUsedBytes: 1, eventLoopDelayMs: 1, inFlight: 0 };
    orders.send({
      samples: [
        ...n(10, { component: 'OrderAggregate', payload: 'PlaceOrder', startedAt: at, durationMs: 20 }),
        ...n(10, { component: 'OrderProjector', handler: 'on', payload: 'OrderPlaced', startedAt: at, durationMs: 10 }),
      ],
      resources,
    });
    billingA.send({
      samples: n(10, {
        component: 'BillingSaga',
        handler: 'on',
        payload: 'OrderPlaced',
        startedAt: at,
        durationMs: 50,
      }),
      invocations: [
        { component: 'BillingSaga', handler: 'on', payload: 'OrderPlaced', executions: 10, invoked: { ChargeCard: 5 } },
      ],
      resources,
    });
    billingB.send({
      samples: n(5, { component: 'PaymentService', payload: 'ChargeCard', startedAt: at, durationMs: 120 }),
      resources,
    });
    suite.nc.publish(
      TelemetryContracts.gatewaySamples.subject,
      JSON.stringify({
        gatewayInstanceId: 'gw-1',
        samples: Array.from({ length: 10 }, () => gatewaySample({ startedAt: at, events: ['OrderPlaced'] })),
      }),
    );
    await waitFor(
      async () =>
        (await getJson<{ edges: unknown[]; stations: unknown[] }>(`${url()}/performance/flows`)).body.edges.length ===
        3,
      { timeoutMs: 10_000 },
    );
  });

  it('builds the flow graph from measured handlers and invocation counts', async () => {
    const { body } = await getJson<{
      entryPoints: Array<{ payload: string }>;
      edges: Array<{ from: string; to: string; probability: number }>;
      instances: Record<string, number>;
    }>(`${url()}/performance/flows`);
    expect(body.entryPoints.map((e) => e.payload)).toEqual(['PlaceOrder']);
    expect(body.edges).toEqual([
      expect.objectContaining({
        from: 'billing/BillingSaga/on/OrderPlaced',
        to: 'billing/PaymentService/handle/ChargeCard',
        probability: 0.5,
      }),
      expect.objectContaining({
        from: 'orders/OrderAggregate/handle/PlaceOrder',
        to: 'billing/BillingSaga/on/OrderPlaced',
        probability: 1,
      }),
      expect.objectContaining({
        from: 'orders/OrderAggregate/handle/PlaceOrder',
        to: 'orders/OrderProjector/on/OrderPlaced',
        probability: 1,
      }),
    ]);
    expect(body.instances).toEqual({ billing: 2, orders: 1 });
  });

  it('analyses given arrival rates over HTTP and over NATS with the hand-computed figures', async () => {
    const request = { arrivals: [{ payload: 'PlaceOrder', ratePerSec: 20 }], targetUtilisation: 0.7 };
    interface Result {
      stations: Array<{ id: string; utilisation: number; arrivalRatePerSec: number; meanWaitMs: number | null }>;
      flows: Array<{ entry: string; bottleneck: string; bottleneckUtilisation: number }>;
      bundles: Array<{ bundleId: string; instancesNeeded: number; offeredLoad: number }>;
    }
    const http = await postJson<Result>(`${url()}/performance/analysis`, request);
    expect(http.status).toBe(200);
    const overNats = (await suite.client.request(TelemetryContracts.analyse, request)) as unknown as Result;
    for (const result of [http.body, overNats]) {
      const station = (id: string) => result.stations.find((s) => s.id === id)!;
      expect(station('orders/OrderAggregate/handle/PlaceOrder').utilisation).toBeCloseTo(0.4, 9);
      expect(station('orders/OrderAggregate/handle/PlaceOrder').meanWaitMs).toBeCloseTo(40 / 3, 9);
      expect(station('billing/PaymentService/handle/ChargeCard').arrivalRatePerSec).toBeCloseTo(10, 9);
      expect(station('billing/PaymentService/handle/ChargeCard').utilisation).toBeCloseTo(0.6, 9);
      expect(station('billing/PaymentService/handle/ChargeCard').meanWaitMs).toBeCloseTo(67.5, 9);
      expect(result.flows).toEqual([
        expect.objectContaining({ entry: 'PlaceOrder', bottleneck: 'billing/PaymentService/handle/ChargeCard' }),
      ]);
      expect(result.bundles.map((b) => [b.bundleId, b.instancesNeeded])).toEqual([
        ['billing', 4],
        ['orders', 1],
      ]);
    }
  });

  it('answers a bad analysis request with a typed error on both edges', async () => {
    const bad = { arrivals: [{ payload: 'PlaceOrder', ratePerSec: -1 }] };
    const http = await postJson<{ code: string }>(`${url()}/performance/analysis`, bad);
    expect([http.status, http.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    await expect(suite.client.request(TelemetryContracts.analyse, bad)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    } satisfies Partial<EventoError>);
  });
});
