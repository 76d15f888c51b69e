import { ErrorCode, EventoError, type GatewaySample, TelemetryContracts } from '@evento/contracts';
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
  const G_PLACE = '$gateway/domain-command/PlaceOrder';
  const E_PLACE = '$event-store/domain-command/PlaceOrder';
  const G_CHARGE = '$gateway/service-command/ChargeCard';
  const E_CHARGE = '$event-store/service-command/ChargeCard';

  /**
   * The network of the unit test, measured: PlaceOrder → gateway (5 ms of its own) →
   * OrderAggregate (20 ms, orders) → event store (3 ms load + 7 ms append) → OrderPlaced →
   * OrderProjector (10 ms, orders) and BillingSaga (50 ms, billing) → ChargeCard half the time
   * → gateway (6 ms) → PaymentService (120 ms, billing) → event store (4 ms). orders has 1
   * instance, billing 2, the gateway 2 (each sends its own batch).
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
    const gateway = (gatewayInstanceId: string, samples: GatewaySample[]) =>
      suite.nc.publish(TelemetryContracts.gatewaySamples.subject, JSON.stringify({ gatewayInstanceId, samples }));
    gateway(
      'gw-1',
      Array.from({ length: 10 }, () =>
        gatewaySample({
          startedAt: at,
          waitMs: 5,
          loadMs: 3,
          bundleMs: 20,
          appendMs: 7,
          totalMs: 40,
          events: ['OrderPlaced'],
        }),
      ),
    );
    gateway(
      'gw-2',
      Array.from({ length: 5 }, () =>
        gatewaySample({
          kind: 'service-command',
          payload: 'ChargeCard',
          bundleId: 'billing',
          startedAt: at,
          waitMs: 0,
          loadMs: 0,
          bundleMs: 120,
          appendMs: 4,
          totalMs: 130,
        }),
      ),
    );
    await waitFor(
      async () => {
        const { body } = await getJson<{ edges: unknown[]; gatewayInstances: number }>(`${url()}/performance/flows`);
        return body.edges.length === 7 && body.gatewayInstances === 2;
      },
      { timeoutMs: 10_000 },
    );
  });

  it('builds the flow graph invoker → gateway → handler → event store → event handlers → their commands', async () => {
    const { body } = await getJson<{
      stations: Array<{ id: string; kind: string; serviceTimeMs: number }>;
      entryPoints: Array<{ payload: string; stations: string[] }>;
      edges: Array<{ from: string; to: string; probability: number }>;
      instances: Record<string, number>;
      gatewayInstances: number;
    }>(`${url()}/performance/flows`);
    expect(body.entryPoints).toEqual([{ payload: 'PlaceOrder', stations: [G_PLACE] }]);
    expect(body.edges.map((e) => [e.from, e.to, e.probability])).toEqual([
      [E_PLACE, 'billing/BillingSaga/on/OrderPlaced', 1],
      [E_PLACE, 'orders/OrderProjector/on/OrderPlaced', 1],
      [G_PLACE, 'orders/OrderAggregate/handle/PlaceOrder', 1],
      [G_CHARGE, 'billing/PaymentService/handle/ChargeCard', 1],
      ['billing/BillingSaga/on/OrderPlaced', G_CHARGE, 0.5],
      ['billing/PaymentService/handle/ChargeCard', E_CHARGE, 1],
      ['orders/OrderAggregate/handle/PlaceOrder', E_PLACE, 1],
    ]);
    const shared = body.stations.filter((s) => s.kind !== 'handler').map((s) => [s.id, s.kind, s.serviceTimeMs]);
    expect(shared).toEqual([
      [E_PLACE, 'event-store', 10],
      [E_CHARGE, 'event-store', 4],
      [G_PLACE, 'gateway', 5],
      [G_CHARGE, 'gateway', 6],
    ]);
    expect(body.instances).toEqual({ billing: 2, orders: 1 });
    expect(body.gatewayInstances).toBe(2);
  });

  it('analyses given arrival rates over HTTP and over NATS with the hand-computed figures', async () => {
    const request = { arrivals: [{ payload: 'PlaceOrder', ratePerSec: 20 }], targetUtilisation: 0.7 };
    interface Result {
      stations: Array<{
        id: string;
        servers: number;
        utilisation: number;
        arrivalRatePerSec: number;
        meanWaitMs: number | null;
      }>;
      flows: Array<{ entry: string; bottleneck: string; bottleneckUtilisation: number; stations: string[] }>;
      bundles: Array<{ bundleId: string; instancesNeeded: number; offeredLoad: number }>;
      services: Array<{ service: string; currentInstances: number; instancesNeeded: number; offeredLoad: number }>;
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
      // Gateway: (20/s · 5 ms + 10/s · 6 ms) / 2 servers; event store: 20/s · 10 ms + 10/s · 4 ms on 1.
      expect(station(G_CHARGE).servers).toBe(2);
      expect(station(G_CHARGE).arrivalRatePerSec).toBeCloseTo(10, 9);
      expect(station(G_PLACE).utilisation).toBeCloseTo(0.08, 9);
      expect(station(E_CHARGE).utilisation).toBeCloseTo(0.24, 9);
      expect(station(E_PLACE).meanWaitMs).toBeCloseTo(48 / 19, 9);
      expect(result.flows).toEqual([
        expect.objectContaining({ entry: 'PlaceOrder', bottleneck: 'billing/PaymentService/handle/ChargeCard' }),
      ]);
      expect(result.flows[0].stations).toHaveLength(8);
      expect(result.bundles.map((b) => [b.bundleId, b.instancesNeeded])).toEqual([
        ['billing', 4],
        ['orders', 1],
      ]);
      expect(result.services.map((s) => [s.service, s.currentInstances, s.instancesNeeded])).toEqual([
        ['gateway', 2, 1],
        ['event-store', 1, 1],
      ]);
    }
  });

  it('names the event store the bottleneck when its utilisation is highest', async () => {
    // Three times the rate with orders on 2 instances and billing on 6: event store
    // 60/s · 10 ms + 30/s · 4 ms = 0.72 on its one server, above PaymentService (3.6 / 6 = 0.6),
    // OrderAggregate (1.2 / 2), BillingSaga (3 / 6) and the gateway (0.48 / 2).
    const { status, body } = await postJson<{
      flows: Array<{ bottleneck: string; bottleneckUtilisation: number }>;
    }>(`${url()}/performance/analysis`, {
      arrivals: [{ payload: 'PlaceOrder', ratePerSec: 60 }],
      instances: [
        { bundleId: 'billing', instances: 6 },
        { bundleId: 'orders', instances: 2 },
      ],
    });
    expect(status).toBe(200);
    expect(body.flows[0].bottleneck).toBe(E_PLACE);
    expect(body.flows[0].bottleneckUtilisation).toBeCloseTo(0.72, 9);
  });

  it('answers a bad analysis request with a typed error on both edges', async () => {
    const bad = { arrivals: [{ payload: 'PlaceOrder', ratePerSec: -1 }] };
    const http = await postJson<{ code: string }>(`${url()}/performance/analysis`, bad);
    expect([http.status, http.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    await expect(suite.client.request(TelemetryContracts.analyse, bad)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    } satisfies Partial<EventoError>);
    const noServers = { arrivals: [{ payload: 'PlaceOrder', ratePerSec: 1 }], gatewayInstances: 0 };
    const refused = await postJson<{ code: string }>(`${url()}/performance/analysis`, noServers);
    expect([refused.status, refused.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
