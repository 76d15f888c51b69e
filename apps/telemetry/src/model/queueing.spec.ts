import { buildFlowGraph, type InvocationRow, type StatRow } from './flow-graph';
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
function shop() {
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

describe('flow graph from gateway measurements', () => {
  it('makes a station of a command no handler sample covers, timed by the gateway', () => {
    const graph = buildFlowGraph(
      [stat('orders', 'OrderProjector', 'OrderPlaced', 10)],
      [
        edge({ component: '$gateway', handler: 'domain-command', invokedPayload: '', executions: 4 }),
        edge({ component: '$gateway', handler: 'domain-command', invokedPayload: 'OrderPlaced', invocations: 4 }),
      ],
      [
        { kind: 'domain-command', payload: 'PlaceOrder', bundleId: 'orders', count: 4, meanBundleMs: 12.5 },
        // Measured by handler samples already: not duplicated.
        { kind: 'query', payload: 'OrderPlaced', bundleId: 'orders', count: 4, meanBundleMs: 99 },
        { kind: 'publish', payload: 'Announcement', bundleId: 'orders', count: 4, meanBundleMs: 0 },
      ],
    );
    expect(graph.stations.map((s) => [s.id, s.serviceTimeMs])).toEqual([
      ['orders/gateway:domain-command/bundle/PlaceOrder', 12.5],
      ['orders/OrderProjector/handle/OrderPlaced', 10],
    ]);
    expect(graph.edges).toEqual([
      {
        from: 'orders/gateway:domain-command/bundle/PlaceOrder',
        to: 'orders/OrderProjector/handle/OrderPlaced',
        payload: 'OrderPlaced',
        probability: 1,
      },
    ]);
    expect(graph.entryPoints.map((e) => e.payload)).toEqual(['PlaceOrder']);
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
