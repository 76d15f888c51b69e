import { waitFor } from '@evento/testing';
import { available, http, SimFleet, setMood, sleep, useScalerSuite } from './support';

/**
 * The v1 defect: a slow start let repeated signals spawn instance after instance. Instances
 * here take 4 s to say hello while the scaler looks every 300 ms and the suffering signals
 * repeat every 150 ms with no cool-down: the starts already asked for count, so the bundle gets
 * exactly what the policy allows, once.
 */

jest.setTimeout(120_000);

const BUNDLE = 'slowtodo';
const START_DELAY_MS = 4_000;

describe('no spawn storm with slow-starting instances', () => {
  const suite = useScalerSuite('scaler_storm');
  const fleet = new SimFleet();
  const scaler = () => suite.scalers[0].url;
  afterAll(() => fleet.killAll());

  const ups = async () =>
    (
      (await http(scaler(), 'GET', `/decisions?bundleId=${BUNDLE}&limit=500`)).body as Array<{
        action: string;
        count: number;
      }>
    ).filter((d) => d.action === 'up');

  it('starts the minimum once while the instances are still starting', async () => {
    const put = await http(scaler(), 'PUT', `/policies/${BUNDLE}`, {
      enabled: true,
      minInstances: 2,
      maxInstances: 4,
      step: 1,
      cooldownUpMs: 0,
      cooldownDownMs: 60_000,
      startTimeoutMs: 30_000,
      autorun: true,
      actuator: {
        kind: 'script',
        script: 'start-todo.sh',
        environment: fleet.environment({ SIM_START_DELAY_MS: String(START_DELAY_MS) }),
      },
    });
    expect(put.status).toBe(201);
    // Well before the instances can register, the scaler has asked for both and no more.
    await sleep(START_DELAY_MS / 2);
    expect(fleet.starts()).toHaveLength(2);
    expect(await available(suite.client, BUNDLE)).toHaveLength(0);
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 2, {
      timeoutMs: 20_000,
      what: 'two instances',
    });
    expect(fleet.starts()).toHaveLength(2);
    expect(await ups()).toEqual([expect.objectContaining({ count: 2 })]);
  });

  it('starts up to the maximum, once, while suffering repeats during the slow starts', async () => {
    setMood(suite.nc, BUNDLE, 'suffering');
    await waitFor(() => fleet.starts().length >= 4, { timeoutMs: 10_000, what: 'starts up to max' });
    // Suffering goes on for the whole slow start of the new instances, and after it.
    for (let i = 0; i < 8; i += 1) {
      setMood(suite.nc, BUNDLE, 'suffering');
      await sleep(1_000);
    }
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 4, {
      timeoutMs: 20_000,
      what: 'four instances',
    });
    await sleep(1_500);
    const starts = fleet.starts();
    expect(starts).toHaveLength(4);
    expect(new Set(starts.map((s) => s.instanceId)).size).toBe(4);
    expect((await ups()).reduce((sum, d) => sum + d.count, 0)).toBe(4);
    expect(fleet.running()).toHaveLength(4);
  });
});
