import { waitFor } from '@evento/testing';
import { type RunningApp, startApp } from '../support/apps';
import { FAST_FLUSH, sample, SimulatedBundle } from '../telemetry/support';
import { available, http, SimFleet, sleep, useScalerSuite } from './support';

interface RecordedRule {
  metric: string;
  threshold: number;
  value: number | null;
  breached: boolean;
}
interface RecordedDecision {
  action: string;
  count: number;
  reason: string;
  inputs: { suffering: string[]; rules: RecordedRule[] };
}

/**
 * Telemetry rules with the real telemetry app: handler samples of the bundle, published as an
 * instance would, drive the scaler through a p95 rule. The instances stay quiet (no suffering
 * signals): only the rule can make the scaler start more.
 */

jest.setTimeout(120_000);

const BUNDLE = 'ruletodo';
const THRESHOLD_MS = 200;

describe('scaling on telemetry rules', () => {
  const suite = useScalerSuite('scaler_rules');
  const fleet = new SimFleet();
  let telemetry: RunningApp | undefined;
  const scaler = () => suite.scalers[0].url;
  afterAll(async () => {
    await telemetry?.app.close();
    fleet.killAll();
  });

  const decisions = async (): Promise<RecordedDecision[]> =>
    (await http(scaler(), 'GET', `/decisions?bundleId=${BUNDLE}&limit=500`)).body as RecordedDecision[];
  const ups = async () => (await decisions()).filter((d) => d.action === 'up');
  /** Samples as one instance of the bundle would send them: `count` executions of `durationMs` each. */
  const publish = (durationMs: number, count = 40) =>
    new SimulatedBundle(suite.nc, BUNDLE, `${BUNDLE}-telemetry`).sendSamples(
      Array.from({ length: count }, (_, i) =>
        sample({ component: 'TodoListAggregate', startedAt: Date.now() - i, durationMs }),
      ),
    );

  it('stores and validates the rules with the policy', async () => {
    const bad = await http(scaler(), 'PUT', `/policies/${BUNDLE}`, {
      enabled: true,
      minInstances: 1,
      maxInstances: 3,
      actuator: { kind: 'none' },
      rules: [
        { metric: 'requests', threshold: 1, windowMs: 10_000 },
        { metric: 'consumerLag', threshold: -1, windowMs: 500 },
      ],
    });
    expect(bad.status).toBe(400);
    const text = JSON.stringify(bad.body);
    for (const field of ['metric', 'threshold', 'windowMs']) expect(text).toContain(field);
    const tooMany = await http(scaler(), 'PUT', `/policies/${BUNDLE}`, {
      enabled: true,
      minInstances: 1,
      maxInstances: 3,
      actuator: { kind: 'none' },
      rules: Array.from({ length: 6 }, () => ({ metric: 'consumerLag', threshold: 1, windowMs: 10_000 })),
    });
    expect(tooMany.status).toBe(400);
  });

  it('ignores the rules while telemetry is down, and still keeps the minimum', async () => {
    const put = await http(scaler(), 'PUT', `/policies/${BUNDLE}`, {
      enabled: true,
      minInstances: 1,
      maxInstances: 3,
      step: 1,
      cooldownUpMs: 0,
      cooldownDownMs: 600_000,
      startTimeoutMs: 30_000,
      autorun: true,
      actuator: { kind: 'script', script: 'start-todo.sh', environment: fleet.environment() },
      rules: [
        {
          metric: 'p95ServiceTimeMs',
          threshold: THRESHOLD_MS,
          windowMs: 10_000,
          component: 'TodoListAggregate',
          ignored: 'x',
        },
        { metric: 'consumerLag', threshold: 1000, windowMs: 10_000 },
      ],
    });
    expect(put.status).toBe(201);
    expect(put.body.rules).toEqual([
      { metric: 'p95ServiceTimeMs', threshold: THRESHOLD_MS, windowMs: 10_000, component: 'TodoListAggregate' },
      { metric: 'consumerLag', threshold: 1000, windowMs: 10_000 },
    ]);
    expect((await http(scaler(), 'GET', `/policies/${BUNDLE}`)).body.rules).toEqual(put.body.rules);
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 1, {
      timeoutMs: 20_000,
      what: 'the minimum instance',
    });
    await sleep(2_000);
    expect(fleet.starts()).toHaveLength(1);
    expect((await ups()).map((d) => d.reason)).toEqual(['below min: 0 < 1']);
  });

  it('does not scale up while the handlers are fast', async () => {
    telemetry = await startApp('telemetry', { DATABASE_URL: suite.url, ...FAST_FLUSH });
    for (let i = 0; i < 6; i += 1) {
      publish(20);
      await sleep(500);
    }
    expect(fleet.starts()).toHaveLength(1);
    expect(await ups()).toHaveLength(1);
  });

  it('scales up with the rule as the reason when the p95 service time is above the threshold', async () => {
    const slow = setInterval(() => publish(900, 100), 300);
    try {
      await waitFor(() => fleet.starts().length >= 2, { timeoutMs: 20_000, what: 'a start on the rule' });
      await waitFor(async () => (await available(suite.client, BUNDLE)).length === 3, {
        timeoutMs: 30_000,
        what: 'three instances',
      });
      await sleep(1_000);
    } finally {
      clearInterval(slow);
    }
    expect(fleet.starts()).toHaveLength(3);
    const onRule = (await ups()).filter((d) => d.reason !== 'below min: 0 < 1');
    expect(onRule.reduce((sum, d) => sum + d.count, 0)).toBe(2);
    for (const decision of onRule) {
      expect(decision.reason).toMatch(
        /^rule p95ServiceTimeMs\[TodoListAggregate\] > 200 over 10000 ms \(measured \d+(\.\d+)?\)$/,
      );
      const [p95, lag] = decision.inputs.rules;
      expect(p95).toEqual(
        expect.objectContaining({ metric: 'p95ServiceTimeMs', threshold: THRESHOLD_MS, breached: true }),
      );
      expect(p95.value).toBeGreaterThan(THRESHOLD_MS);
      expect(lag).toEqual(expect.objectContaining({ metric: 'consumerLag', value: null, breached: false }));
      expect(decision.inputs.suffering).toEqual([]);
    }
    // At max the lasting breach is a hold, recorded once.
    const holds = (await decisions()).filter((d) => d.action === 'hold');
    expect(holds.map((d) => d.reason)).toEqual([
      'rule p95ServiceTimeMs[TodoListAggregate] > 200 over 10000 ms, at max 3',
    ]);
  });
});
