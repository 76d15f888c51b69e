import type { GatewayMeansRow, InvocationRow, StatRow } from '../storage/performance.repository';
import { buildFlowGraph } from './flow-graph';
import { analyse, erlangC, UnstableNetworkError } from './queueing';

const stat = (bundleId: string, component: string, payload: string, ewmaMs: number): StatRow => ({
  bundleId,
  component,
  handler: 'handle',
  payload,
  ewmaMs,
  count: 100,
  ewmaErrorRate: 0,
});
const edge = (row: Partial<InvocationRow> & { invokedPayload: string }): InvocationRow => ({
  bundleId: 'orders',
  component: 'OrderAggregate',
  handler: 'handle',
  payload: 'PlaceOrder',
  executions: 0,
  invocations: 0,
  ...row,
});

/**
 * PlaceOrder (20/s) → OrderAggregate (20 ms, orders) → OrderPlaced → OrderProjector (10 ms,
 * orders) and BillingSaga (50 ms, billing) → ChargeCard half the time → PaymentService
 * (120 ms, billing). orders runs 1 instance, billing 2.
 */
function shopMeasurements(): { stats: StatRow[]; invocations: InvocationRow[] } {
  const stats = [
    stat('orders', 'OrderAggregate', 'PlaceOrder', 20),
    stat('orders', 'OrderProjector', 'OrderPlaced', 10),
    stat('billing', 'BillingSaga', 'OrderPlaced', 50),
    stat('billing', 'PaymentService', 'ChargeCard', 120),
  ];
  const invocations = [
    // The gateway saw 100 PlaceOrder commands, each appending one OrderPlaced.
    edge({ component: '$gateway', handler: 'domain-command', invokedPayload: '', executions: 100 }),
    edge({ component: '$gateway', handler: 'domain-command', invokedPayload: 'OrderPlaced', invocations: 100 }),
    // The saga ran 40 times and sent 20 ChargeCard.
    edge({ bundleId: 'billing', component: 'BillingSaga', payload: 'OrderPlaced', invokedPayload: '', executions: 40 }),
    edge({
      bundleId: 'billing',
      component: 'BillingSaga',
      payload: 'OrderPlaced',
      invokedPayload: 'ChargeCard',
      invocations: 20,
    }),
  ];
  return { stats, invocations };
}

function shop() {
  const { stats, invocations } = shopMeasurements();
  return buildFlowGraph(stats, invocations);
}

describe('flow graph', () => {
  it('links handlers through the payloads they send, with measured probabilities', () => {
    const graph = shop();
    expect(graph.entryPoints).toEqual([
      { payload: 'PlaceOrder', stations: ['orders/OrderAggregate/handle/PlaceOrder'] },
    ]);
    expect(graph.edges).toEqual([
      {
        from: 'billing/BillingSaga/handle/OrderPlaced',
        to: 'billing/PaymentService/handle/ChargeCard',
        payload: 'ChargeCard',
        probability: 0.5,
      },
      {
        from: 'orders/OrderAggregate/handle/PlaceOrder',
        to: 'billing/BillingSaga/handle/OrderPlaced',
        payload: 'OrderPlaced',
        probability: 1,
      },
      {
        from: 'orders/OrderAggregate/handle/PlaceOrder',
        to: 'orders/OrderProjector/handle/OrderPlaced',
        payload: 'OrderPlaced',
        probability: 1,
      },
    ]);
  });
});

const request = (
  row: Pick<GatewayMeansRow, 'kind' | 'payload' | 'bundleId' | 'count'> & Partial<GatewayMeansRow>,
): GatewayMeansRow => ({
  meanTotalMs: 0,
  meanWaitMs: 0,
  meanLoadMs: 0,
  meanBundleMs: 0,
  meanAppendMs: 0,
  ...row,
});

describe('flow graph from gateway measurements', () => {
  const graph = buildFlowGraph(
    [stat('orders', 'OrderProjector', 'OrderPlaced', 10)],
    [
      edge({ component: '$gateway', handler: 'domain-command', invokedPayload: '', executions: 4 }),
      edge({ component: '$gateway', handler: 'domain-command', invokedPayload: 'OrderPlaced', invocations: 4 }),
      edge({ component: '$gateway', handler: 'publish', payload: 'Announcement', invokedPayload: '', executions: 2 }),
      edge({
        component: '$gateway',
        handler: 'publish',
        payload: 'Announcement',
        invokedPayload: 'Announcement',
        invocations: 2,
      }),
    ],
    [
      // Split over two bundles: the shared stations take the count-weighted means.
      request({
        kind: 'domain-command',
        payload: 'PlaceOrder',
        bundleId: 'orders',
        count: 3,
        meanTotalMs: 30,
        meanWaitMs: 4,
        meanLoadMs: 2,
        meanBundleMs: 12.5,
        meanAppendMs: 6,
      }),
      request({
        kind: 'domain-command',
        payload: 'PlaceOrder',
        bundleId: '',
        count: 1,
        meanTotalMs: 2,
        meanWaitMs: 0,
        meanLoadMs: 1,
        meanBundleMs: 0,
        meanAppendMs: 0,
      }),
      // Measured by handler samples already: no stand-in handler station.
      request({ kind: 'query', payload: 'OrderPlaced', bundleId: 'orders', count: 4, meanTotalMs: 7, meanBundleMs: 5 }),
      request({ kind: 'publish', payload: 'Announcement', bundleId: '', count: 2, meanTotalMs: 9, meanAppendMs: 8 }),
    ],
  );

  it('adds a gateway station per request (its own time) and an event-store station per command (load + append)', () => {
    // PlaceOrder: total (3·30 + 2)/4 = 23, wait 3, load (3·2 + 1)/4 = 1.75, bundle 9.375, append 4.5
    // → gateway 23 − 3 − 1.75 − 9.375 − 4.5 = 4.375 ms, event store 1.75 + 4.5 = 6.25 ms.
    expect(graph.stations.map((s) => [s.id, s.kind, s.serviceTimeMs])).toEqual([
      ['$event-store/domain-command/PlaceOrder', 'event-store', 6.25],
      ['$event-store/publish/Announcement', 'event-store', 8],
      ['$gateway/domain-command/PlaceOrder', 'gateway', 4.375],
      ['$gateway/publish/Announcement', 'gateway', 1],
      ['$gateway/query/OrderPlaced', 'gateway', 2],
      // The command's bundle sent no handler samples: the gateway's bundle time stands in.
      ['orders/gateway:domain-command/bundle/PlaceOrder', 'handler', 12.5],
      ['orders/OrderProjector/handle/OrderPlaced', 'handler', 10],
    ]);
  });

  it('routes a request gateway → handler → event store → the handlers of the events it stored', () => {
    const link = (from: string, to: string, payload: string, probability = 1) => ({ from, to, payload, probability });
    expect(graph.edges).toEqual([
      link('$event-store/domain-command/PlaceOrder', 'orders/OrderProjector/handle/OrderPlaced', 'OrderPlaced'),
      link('$gateway/domain-command/PlaceOrder', 'orders/gateway:domain-command/bundle/PlaceOrder', 'PlaceOrder'),
      // Nothing handles a published event in a bundle before it is stored.
      link('$gateway/publish/Announcement', '$event-store/publish/Announcement', 'Announcement'),
      link('$gateway/query/OrderPlaced', 'orders/OrderProjector/handle/OrderPlaced', 'OrderPlaced'),
      link('orders/gateway:domain-command/bundle/PlaceOrder', '$event-store/domain-command/PlaceOrder', 'PlaceOrder'),
    ]);
    expect(graph.entryPoints).toEqual([
      { payload: 'Announcement', stations: ['$gateway/publish/Announcement'] },
      { payload: 'PlaceOrder', stations: ['$gateway/domain-command/PlaceOrder'] },
    ]);
  });
});

/**
 * The shop of the tests above with the gateway measured: PlaceOrder (domain command) spends
 * 5 ms in the gateway itself and 3 + 7 ms in the event store (load + append); ChargeCard
 * (service command sent by the saga) 6 ms in the gateway and 4 ms appending.
 */
function shopBehindGateway(placeOrderAppendMs = 7, placeOrderGatewayMs = 5) {
  const { stats, invocations } = shopMeasurements();
  return buildFlowGraph(
    stats,
    [
      ...invocations,
      edge({
        bundleId: 'billing',
        component: '$gateway',
        handler: 'service-command',
        payload: 'ChargeCard',
        invokedPayload: '',
        executions: 50,
      }),
    ],
    [
      request({
        kind: 'domain-command',
        payload: 'PlaceOrder',
        bundleId: 'orders',
        count: 100,
        meanTotalMs: placeOrderGatewayMs + 5 + 3 + 20 + placeOrderAppendMs,
        meanWaitMs: 5,
        meanLoadMs: 3,
        meanBundleMs: 20,
        meanAppendMs: placeOrderAppendMs,
      }),
      request({
        kind: 'service-command',
        payload: 'ChargeCard',
        bundleId: 'billing',
        count: 50,
        meanTotalMs: 130,
        meanBundleMs: 120,
        meanAppendMs: 4,
      }),
    ],
  );
}

describe('analysis with gateway and event-store stations', () => {
  const G_PLACE = '$gateway/domain-command/PlaceOrder';
  const E_PLACE = '$event-store/domain-command/PlaceOrder';
  const G_CHARGE = '$gateway/service-command/ChargeCard';
  const E_CHARGE = '$event-store/service-command/ChargeCard';
  const PAYMENT = 'billing/PaymentService/handle/ChargeCard';
  const run = (graph = shopBehindGateway(), servers: { gateway?: number; store?: number } = {}) =>
    analyse(graph, {
      arrivals: [{ payload: 'PlaceOrder', ratePerSec: 20 }],
      targetUtilisation: 0.7,
      instances: new Map([
        ['orders', 1],
        ['billing', 2],
      ]),
      gatewayInstances: servers.gateway ?? 1,
      eventStoreInstances: servers.store ?? 1,
    });

  it('chains invoker → gateway → handler → event store → event handlers → the commands they send', () => {
    const graph = shopBehindGateway();
    expect(graph.entryPoints).toEqual([{ payload: 'PlaceOrder', stations: [G_PLACE] }]);
    expect(graph.edges.map((e) => [e.from, e.to, e.probability])).toEqual([
      [E_PLACE, 'billing/BillingSaga/handle/OrderPlaced', 1],
      [E_PLACE, 'orders/OrderProjector/handle/OrderPlaced', 1],
      [G_PLACE, 'orders/OrderAggregate/handle/PlaceOrder', 1],
      [G_CHARGE, PAYMENT, 1],
      ['billing/BillingSaga/handle/OrderPlaced', G_CHARGE, 0.5],
      [PAYMENT, E_CHARGE, 1],
      ['orders/OrderAggregate/handle/PlaceOrder', E_PLACE, 1],
    ]);
  });

  it('puts the gateway and the event store on shared servers: utilisation Σλ·S / c, M/M/c wait', () => {
    const result = run();
    const station = (id: string) => result.stations.find((s) => s.id === id)!;
    expect(station(G_PLACE).arrivalRatePerSec).toBeCloseTo(20, 9);
    expect(station(G_CHARGE).arrivalRatePerSec).toBeCloseTo(10, 9);
    expect(station(E_CHARGE).arrivalRatePerSec).toBeCloseTo(10, 9);
    // Gateway: 20/s · 5 ms + 10/s · 6 ms = 0.16 Erlang on 1 server; mean service 0.16/30 s.
    // C = 0.16, Wq = 0.16 · 5.333 / 0.84 = 1.0159 ms.
    for (const id of [G_PLACE, G_CHARGE]) {
      expect(station(id).utilisation).toBeCloseTo(0.16, 9);
      expect(station(id).meanWaitMs).toBeCloseTo((0.16 * (160 / 30)) / 0.84, 9);
    }
    expect(station(G_PLACE).meanResponseMs).toBeCloseTo(5 + (0.16 * (160 / 30)) / 0.84, 9);
    // Event store: 20/s · (3 + 7) ms + 10/s · 4 ms = 0.24; mean service 8 ms; Wq = 0.24 · 8 / 0.76.
    expect(station(E_PLACE).serviceTimeMs).toBe(10);
    expect(station(E_PLACE).utilisation).toBeCloseTo(0.24, 9);
    expect(station(E_PLACE).meanWaitMs).toBeCloseTo(48 / 19, 9);
    // The handlers keep their figures of the shop without the gateway.
    expect(station(PAYMENT).utilisation).toBeCloseTo(0.6, 9);
    expect(result.flows).toEqual([
      expect.objectContaining({ entry: 'PlaceOrder', bottleneck: PAYMENT, stations: expect.any(Array) as unknown }),
    ]);
    expect(result.flows[0].stations).toHaveLength(8);
    expect(result.bundles.map((b) => [b.bundleId, b.instancesNeeded])).toEqual([
      ['billing', 4],
      ['orders', 1],
    ]);
    expect(result.services.map((s) => [s.service, s.currentInstances, s.instancesNeeded])).toEqual([
      ['gateway', 1, 1],
      ['event-store', 1, 1],
    ]);
    expect(result.services[1].offeredLoad).toBeCloseTo(0.24, 9);
  });

  it('counts every gateway instance as a server', () => {
    const station = run(shopBehindGateway(), { gateway: 2 }).stations.find((s) => s.id === G_PLACE)!;
    expect([station.servers, station.utilisation]).toEqual([2, expect.closeTo(0.08, 9) as unknown]);
    // c = 2, a = 0.16: C = (0.0128 · 2/1.84) / (1.16 + 0.0128 · 2/1.84).
    const erlang = (0.0128 * 2) / 1.84 / (1.16 + (0.0128 * 2) / 1.84);
    expect(station.waitProbability).toBeCloseTo(erlang, 9);
  });

  it('moves the bottleneck to the event store when its utilisation is highest', () => {
    // Appending PlaceOrder takes 37 ms: 20/s · 40 ms + 10/s · 4 ms = 0.84 > 0.6 (PaymentService).
    const result = run(shopBehindGateway(37));
    expect(result.flows[0].bottleneck).toBe(E_PLACE);
    expect(result.flows[0].bottleneckUtilisation).toBeCloseTo(0.84, 9);
    expect(result.services.find((s) => s.service === 'event-store')!.instancesNeeded).toBe(2);
    // A second event-store server halves it (0.42): the payment service is the bottleneck again.
    expect(run(shopBehindGateway(37), { store: 2 }).flows[0].bottleneck).toBe(PAYMENT);
  });

  it('moves the bottleneck to the gateway when its own time dominates', () => {
    // 20/s · 45 ms + 10/s · 6 ms = 0.96.
    const result = run(shopBehindGateway(7, 45));
    expect(result.flows[0].bottleneck).toBe(G_PLACE);
    expect(result.flows[0].bottleneckUtilisation).toBeCloseTo(0.96, 9);
  });
});

describe('analysis', () => {
  const result = analyse(shop(), {
    arrivals: [{ payload: 'PlaceOrder', ratePerSec: 20 }],
    targetUtilisation: 0.7,
    instances: new Map([
      ['orders', 1],
      ['billing', 2],
    ]),
  });
  const station = (id: string) => result.stations.find((s) => s.id === id)!;

  it('propagates arrival rates and computes utilisation = λ·S/c', () => {
    expect(station('orders/OrderAggregate/handle/PlaceOrder').arrivalRatePerSec).toBeCloseTo(20, 9);
    expect(station('orders/OrderAggregate/handle/PlaceOrder').utilisation).toBeCloseTo(0.4, 9);
    expect(station('orders/OrderProjector/handle/OrderPlaced').utilisation).toBeCloseTo(0.2, 9);
    expect(station('billing/BillingSaga/handle/OrderPlaced').utilisation).toBeCloseTo(0.5, 9);
    expect(station('billing/PaymentService/handle/ChargeCard').arrivalRatePerSec).toBeCloseTo(10, 9);
    expect(station('billing/PaymentService/handle/ChargeCard').utilisation).toBeCloseTo(0.6, 9);
  });

  it('estimates M/M/c waits with Erlang C', () => {
    // c = 1: C = ρ = 0.4, Wq = 0.4 · 20 / (1 − 0.4) = 13.33 ms.
    expect(station('orders/OrderAggregate/handle/PlaceOrder').waitProbability).toBeCloseTo(0.4, 9);
    expect(station('orders/OrderAggregate/handle/PlaceOrder').meanWaitMs).toBeCloseTo(40 / 3, 9);
    // c = 2, a = 1.2: C = (0.72 · 2/0.8) / (1 + 1.2 + 0.72 · 2/0.8) = 0.45, Wq = 0.45 · 120 / 0.8 = 67.5 ms.
    expect(station('billing/PaymentService/handle/ChargeCard').waitProbability).toBeCloseTo(0.45, 9);
    expect(station('billing/PaymentService/handle/ChargeCard').meanWaitMs).toBeCloseTo(67.5, 9);
    expect(station('billing/PaymentService/handle/ChargeCard').meanResponseMs).toBeCloseTo(187.5, 9);
  });

  it('names the station with the highest utilisation as the bottleneck of the flow', () => {
    expect(result.flows).toEqual([
      expect.objectContaining({
        entry: 'PlaceOrder',
        bottleneck: 'billing/PaymentService/handle/ChargeCard',
        stations: expect.arrayContaining(['orders/OrderProjector/handle/OrderPlaced']) as unknown,
      }),
    ]);
    expect(result.flows[0].bottleneckUtilisation).toBeCloseTo(0.6, 9);
    expect(result.flows[0].stations).toHaveLength(4);
  });

  it('sizes each bundle to stay under the target utilisation', () => {
    // orders: 0.4 + 0.2 = 0.6 busy servers → ⌈0.6/0.7⌉ = 1; billing: 1.0 + 1.2 = 2.2 → ⌈3.14⌉ = 4.
    expect(result.bundles.map((b) => [b.bundleId, b.instancesNeeded])).toEqual([
      ['billing', 4],
      ['orders', 1],
    ]);
    expect(result.bundles[0].offeredLoad).toBeCloseTo(2.2, 9);
  });

  it('marks an overloaded station unstable', () => {
    const overloaded = analyse(shop(), {
      arrivals: [{ payload: 'PlaceOrder', ratePerSec: 60 }],
      targetUtilisation: 0.7,
      instances: new Map(),
    });
    const aggregate = overloaded.stations.find((s) => s.id === 'orders/OrderAggregate/handle/PlaceOrder')!;
    expect(aggregate.utilisation).toBeCloseTo(1.2, 9);
    expect(aggregate.stable).toBe(false);
    expect(aggregate.meanWaitMs).toBeNull();
  });
});

describe('loops', () => {
  const loop = (probability: number) =>
    buildFlowGraph(
      [stat('b', 'Saga', 'Started', 10), stat('b', 'Retry', 'Again', 10)],
      [
        edge({ bundleId: 'b', component: 'Saga', payload: 'Started', invokedPayload: '', executions: 10 }),
        edge({
          bundleId: 'b',
          component: 'Saga',
          payload: 'Started',
          invokedPayload: 'Again',
          invocations: 10 * probability,
        }),
        edge({ bundleId: 'b', component: 'Retry', payload: 'Again', invokedPayload: '', executions: 10 }),
        edge({ bundleId: 'b', component: 'Retry', payload: 'Again', invokedPayload: 'Started', invocations: 10 }),
      ],
    );

  it('solves a loop with gain below one: λ = λ0 / (1 − p)', () => {
    const result = analyse(loop(0.5), {
      arrivals: [{ payload: 'Started', ratePerSec: 10 }],
      targetUtilisation: 0.7,
      instances: new Map(),
    });
    expect(result.stations.find((s) => s.payload === 'Started')!.arrivalRatePerSec).toBeCloseTo(20, 6);
  });

  it('refuses a loop that never settles', () => {
    expect(() =>
      analyse(loop(1), {
        arrivals: [{ payload: 'Started', ratePerSec: 10 }],
        targetUtilisation: 0.7,
        instances: new Map(),
      }),
    ).toThrow(UnstableNetworkError);
  });
});

describe('erlangC', () => {
  it('matches the closed form for one server (ρ)', () => {
    expect(erlangC(1, 0.3)).toBeCloseTo(0.3, 12);
  });
});
