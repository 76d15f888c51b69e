import { ErrorCode, RegistryContracts } from '@evento/contracts';
import { queryDatabase, waitFor } from '@evento/testing';
import { createHmac } from 'node:crypto';
import {
  available,
  DecisionNotices,
  http,
  liveInstances,
  SimFleet,
  setMood,
  sleep,
  useScalerSuite,
  BUNDLE_TOKEN,
} from './support';

/**
 * The deploy-script actuator for real: a script starts simulated TodoList instances (node
 * processes speaking the registry protocol over NATS); their suffering and bored signals make
 * the scaler start instances up to the maximum and drain them down to the minimum; an instance
 * killed below the minimum is replaced.
 */

jest.setTimeout(120_000);

const BUNDLE = 'todo';
const TOKEN_TTL_MS = 120_000;

describe('scaler with the deploy-script actuator', () => {
  const suite = useScalerSuite('scaler_script', { scalerEnv: { DEPLOY_SCRIPT_TOKEN_TTL_MS: String(TOKEN_TTL_MS) } });
  const fleet = new SimFleet();
  let notices: DecisionNotices;
  const scaler = () => suite.scalers[0].url;

  beforeAll(() => {
    notices = new DecisionNotices(suite.nc);
  });
  afterAll(() => {
    notices.close();
    fleet.killAll();
  });

  interface Decision {
    decisionId: string;
    action: string;
    count: number;
    outcome: string;
    reason: string;
    output: string | null;
  }
  const decisions = async (action?: string) => {
    const log = (await http(scaler(), 'GET', `/decisions?bundleId=${BUNDLE}&limit=500`)).body as Decision[];
    return log.filter((d) => action === undefined || d.action === action);
  };

  it('starts the minimum at boot when autorun is on', async () => {
    const put = await http(scaler(), 'PUT', `/policies/${BUNDLE}`, {
      enabled: true,
      minInstances: 1,
      maxInstances: 3,
      step: 1,
      cooldownUpMs: 600,
      cooldownDownMs: 600,
      startTimeoutMs: 20_000,
      drainTimeoutMs: 3_000,
      autorun: true,
      actuator: { kind: 'script', script: 'start-todo.sh', environment: fleet.environment() },
    });
    expect(put.status).toBe(201);
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 1, { what: 'one instance' });
    expect(fleet.starts()).toHaveLength(1);
    const [up] = await decisions('up');
    expect(up).toEqual(expect.objectContaining({ count: 1, reason: 'below min: 0 < 1' }));
    await waitFor(async () => (await decisions('up'))[0].outcome === 'succeeded', { what: 'the start succeeded' });
    const [done] = await decisions('up');
    // The script's output is in the log, and the credential it echoed is not.
    expect(done.output).toMatch(/started todo-[0-9a-f]+ \(pid \d+\)/);
    expect(done.output).toContain('token ***');
    expect(JSON.stringify(await decisions())).not.toContain(BUNDLE_TOKEN);
  });

  it('hands the script a short-lived token, bound to the bundle, with which the instance said hello', async () => {
    const [instanceId] = await available(suite.client, BUNDLE);
    const token = fleet.tokens().get(instanceId)!;
    // Not the static secret: evento1.<bundle>.<expiry>.<HMAC-SHA256 keyed by the secret>.
    expect(token).not.toContain(BUNDLE_TOKEN);
    const [prefix, bundleId, expiresAt, signature] = token.split('.');
    expect([prefix, bundleId]).toEqual(['evento1', BUNDLE]);
    expect(Number(expiresAt)).toBeGreaterThan(Date.now());
    expect(Number(expiresAt)).toBeLessThanOrEqual(Date.now() + TOKEN_TTL_MS);
    const body = token.slice(0, token.lastIndexOf('.'));
    expect(signature).toBe(createHmac('sha256', BUNDLE_TOKEN).update(body).digest('base64url'));
    // The registry (BUNDLE_TOKEN set) accepted the hello that carried it: the instance is available.
    expect((await liveInstances(suite.client, BUNDLE)).find((i) => i.instanceId === instanceId)?.status).toBe(
      'available',
    );
    // And refuses it for another bundle.
    await expect(
      suite.client.request(RegistryContracts.hello, {
        bundleId: 'other',
        bundleVersion: '1.0.0',
        instanceId: 'other-1',
        protocolVersion: 1,
        token,
        location: { host: 'test', pid: 1 },
      }),
    ).rejects.toMatchObject({ code: ErrorCode.UNAUTHORIZED });
  });

  it('scales up to the maximum on suffering signals, and no further', async () => {
    setMood(suite.nc, BUNDLE, 'suffering');
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 3, {
      timeoutMs: 30_000,
      what: 'three instances',
    });
    // The new instances are quiet, the first keeps suffering: nothing more may start.
    setMood(suite.nc, BUNDLE, 'suffering');
    await sleep(3_000);
    expect(await available(suite.client, BUNDLE)).toHaveLength(3);
    expect(fleet.starts()).toHaveLength(3);
    expect(fleet.running()).toHaveLength(3);
    const ups = await decisions('up');
    expect(ups.reduce((sum, d) => sum + d.count, 0)).toBe(3);
    const holds = await decisions('hold');
    expect(holds.some((d) => /suffering, at max 3/.test(d.reason))).toBe(true);
  });

  it('drains bored instances down to the minimum, and they leave', async () => {
    setMood(suite.nc, BUNDLE, 'bored');
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 1 && fleet.running().length === 1, {
      timeoutMs: 30_000,
      what: 'back to one instance',
    });
    await sleep(2_000);
    expect(await available(suite.client, BUNDLE)).toHaveLength(1);
    expect(fleet.running()).toHaveLength(1);
    await waitFor(async () => (await decisions('down')).every((d) => d.outcome === 'succeeded'), {
      what: 'drains confirmed',
    });
    const downs = await decisions('down');
    expect(downs.reduce((sum, d) => sum + d.count, 0)).toBe(2);
    const [latest] = downs;
    const detail = (await http(scaler(), 'GET', `/decisions/${latest.decisionId}`)).body as {
      operations: Array<{ kind: string; state: string; instanceId: string }>;
    };
    expect(detail.operations).toEqual([expect.objectContaining({ kind: 'drain', state: 'done' })]);
  });

  it('replaces an instance killed below the minimum, without any signal', async () => {
    setMood(suite.nc, BUNDLE, 'quiet');
    const [survivor] = await available(suite.client, BUNDLE);
    fleet.kill(survivor);
    await waitFor(
      async () => {
        const now = await available(suite.client, BUNDLE);
        return now.length === 1 && now[0] !== survivor;
      },
      { timeoutMs: 30_000, what: 'a replacement' },
    );
    expect(fleet.starts()).toHaveLength(4);
    const [replacement] = await decisions('up');
    expect(replacement.reason).toBe('below min: 0 < 1');
  });

  it('records every decision in the log, in a metric and on NATS', async () => {
    const log = await decisions();
    const acted = log.filter((d) => d.action !== 'hold');
    expect(acted.length).toBeGreaterThanOrEqual(5);
    const noticed = new Set(notices.received.map((n) => `${n.decisionId}:${n.outcome}`));
    for (const decision of acted) {
      expect(noticed.has(`${decision.decisionId}:${decision.outcome}`)).toBe(true);
    }
    const metrics = await (await fetch(`${scaler()}/metrics`)).text();
    expect(metrics).toMatch(/evento_scaler_decisions_total\{[^}]*bundle="todo"[^}]*action="up"[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /evento_scaler_decision_outcomes_total\{[^}]*action="down"[^}]*outcome="succeeded"[^}]*\} 2/,
    );
    expect(metrics).toMatch(/evento_scaler_leader\{[^}]*\} 1/);
    const rows = await queryDatabase<{ count: string }>(suite.url, `SELECT count(*) FROM "scaler"."signals"`);
    expect(Number(rows[0].count)).toBeGreaterThan(0);
  });
});
