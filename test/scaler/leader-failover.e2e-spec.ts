import { queryDatabase, waitFor } from '@evento/testing';
import { available, http, SimFleet, setMood, sleep, useScalerSuite } from './support';

/**
 * Two scaler replicas, one active. The active one is killed right after it decided to start
 * instances that are slow to come: its connection to Postgres is cut (what a crash looks like
 * to Postgres) and the app is gone. The standby takes over within seconds, counts the starts
 * already asked for and makes no decision twice; then it scales on its own.
 */

jest.setTimeout(120_000);

const BUNDLE = 'failtodo';

describe('scaler leader failover', () => {
  const suite = useScalerSuite('scaler_failover', { scalers: 2 });
  const fleet = new SimFleet();
  afterAll(() => fleet.killAll());

  const status = async (url: string) =>
    (await http(url, 'GET', '/scaler/status')).body as { leader: boolean; scalerInstanceId: string };

  it('has exactly one active scaler', async () => {
    await waitFor(async () => (await Promise.all(suite.scalers.map((s) => status(s.url)))).some((s) => s.leader), {
      what: 'a leader',
    });
    const leaders = (await Promise.all(suite.scalers.map((s) => status(s.url)))).filter((s) => s.leader);
    expect(leaders).toHaveLength(1);
  });

  it('takes over within seconds when the active one dies, and repeats no decision', async () => {
    const statuses = await Promise.all(suite.scalers.map((s) => status(s.url)));
    const leaderIndex = statuses.findIndex((s) => s.leader);
    const leader = suite.scalers[leaderIndex];
    const standby = suite.scalers[1 - leaderIndex];

    const put = await http(standby.url, 'PUT', `/policies/${BUNDLE}`, {
      enabled: true,
      minInstances: 2,
      maxInstances: 3,
      step: 1,
      cooldownUpMs: 0,
      cooldownDownMs: 60_000,
      startTimeoutMs: 30_000,
      autorun: true,
      actuator: {
        kind: 'script',
        script: 'start-todo.sh',
        environment: fleet.environment({ SIM_START_DELAY_MS: '3000' }),
      },
    });
    expect(put.status).toBe(201);
    await waitFor(
      async () =>
        (await queryDatabase(suite.url, `SELECT 1 FROM "scaler"."operations" WHERE "bundle_id" = $1`, [BUNDLE]))
          .length > 0,
      { intervalMs: 20, what: 'the first decision' },
    );

    // Kill: Postgres sees the leader's session end, and the replica is gone.
    const killedAt = Date.now();
    await queryDatabase(
      suite.url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [`evento-scaler-leader:${statuses[leaderIndex].scalerInstanceId}`.slice(0, 63)],
    );
    await leader.app.close();
    suite.scalers.splice(leaderIndex, 1);
    const takeoverMs = await waitFor(async () => (await status(standby.url)).leader, {
      intervalMs: 50,
      what: 'the standby to take over',
    });
    expect(takeoverMs).toBeLessThan(5_000);
    process.stdout.write(`scaler takeover: ${Date.now() - killedAt} ms after the kill\n`);

    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 2, {
      timeoutMs: 20_000,
      what: 'two instances',
    });
    await sleep(2_000);
    expect(fleet.starts()).toHaveLength(2);
    const decisions = (await http(standby.url, 'GET', `/decisions?bundleId=${BUNDLE}`)).body as Array<{
      action: string;
      count: number;
      outcome: string;
      scalerInstanceId: string;
    }>;
    const ups = decisions.filter((d) => d.action === 'up');
    expect(ups).toEqual([
      expect.objectContaining({ count: 2, scalerInstanceId: statuses[leaderIndex].scalerInstanceId }),
    ]);
    // The new leader settled the old one's decision from the instances that registered.
    await waitFor(
      async () =>
        ((await http(standby.url, 'GET', `/decisions?bundleId=${BUNDLE}`)).body as Array<{ outcome: string }>).every(
          (d) => d.outcome !== 'pending',
        ),
      { what: 'the decision settled' },
    );
  });

  it('acts on its own afterwards', async () => {
    setMood(suite.nc, BUNDLE, 'suffering');
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 3, {
      timeoutMs: 20_000,
      what: 'three instances',
    });
    await sleep(1_000);
    expect(fleet.starts()).toHaveLength(3);
    const ids = fleet.starts().map((s) => s.instanceId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
