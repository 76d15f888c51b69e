import { loadConfig } from '@evento/platform';
import { queryDatabase, TEST_SUBJECT_PREFIX, waitFor } from '@evento/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActuatorError } from '../../apps/scaler/src/actuators/actuator';
import { KubernetesActuator } from '../../apps/scaler/src/actuators/kubernetes.actuator';
import { ScalerConfig } from '../../apps/scaler/src/config/scaler.config';
import type { PolicyView } from '../../apps/scaler/src/policies/dto/policy.dto';
import { FakeKubernetes } from './fake-kubernetes';
import { type ChildProcess, spawn } from 'node:child_process';
import { available, BUNDLE_TOKEN, FIXTURES, http, sleep, useScalerSuite } from './support';

/**
 * The Kubernetes actuator through @kubernetes/client-node against a fake API server that
 * checks what a real one would: the scale subresource's path, the verb, a JSON merge patch of
 * spec.replicas, and the bearer token of the kubeconfig.
 */

jest.setTimeout(60_000);

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.scaler-service-account-token';
const dir = mkdtempSync(join(tmpdir(), 'evento-kube-'));
const fake = new FakeKubernetes(TOKEN);

beforeAll(() => fake.start(dir));
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function policy(deployment: string, namespace = 'todo'): PolicyView {
  return {
    bundleId: 'todo',
    enabled: true,
    minInstances: 1,
    maxInstances: 5,
    step: 1,
    cooldownUpMs: 0,
    cooldownDownMs: 0,
    startTimeoutMs: 60_000,
    drainTimeoutMs: 30_000,
    autorun: true,
    actuator: { kind: 'kubernetes', namespace, deployment },
    rules: [],
    description: null,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
}

function actuator(token = TOKEN): KubernetesActuator {
  return new KubernetesActuator(loadConfig(ScalerConfig, { KUBECONFIG: fake.kubeconfig(dir, token) }, {}));
}

describe('Kubernetes actuator', () => {
  it('sets the replica count with a merge patch of the scale subresource, with the bearer token', async () => {
    fake.deployments.set('todo/todo-bundle', 1);
    const result = await actuator().scale({
      decisionId: '1',
      policy: policy('todo-bundle'),
      count: 2,
      target: 3,
      instanceIds: [],
    });
    expect(result.output).toBe('deployment todo/todo-bundle: replicas 1 -> 3');
    expect(fake.deployments.get('todo/todo-bundle')).toBe(3);
    const calls = fake.requests.filter((r) => r.path.includes('/todo-bundle/'));
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /apis/apps/v1/namespaces/todo/deployments/todo-bundle/scale',
      'PATCH /apis/apps/v1/namespaces/todo/deployments/todo-bundle/scale',
    ]);
    const patch = calls[1];
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect(patch.body).toEqual({ spec: { replicas: 3 } });
    expect(patch.authorization).toBe(`Bearer ${TOKEN}`);
    expect(patch.query.fieldManager).toBe('evento-scaler');
  });

  it('reports the API status on refusal, without the token', async () => {
    fake.deployments.set('todo/locked', 1);
    fake.forbidden.add('todo/locked');
    const error = await actuator()
      .scale({ decisionId: '2', policy: policy('locked'), count: 1, target: 2, instanceIds: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActuatorError);
    expect((error as Error).message).toMatch(/HTTP 403: deployments.apps "locked" is forbidden/);
    expect((error as Error).message).not.toContain(TOKEN);

    const unauthorized = await actuator('a-wrong-token-for-the-fake-server')
      .scale({ decisionId: '3', policy: policy('todo-bundle'), count: 1, target: 2, instanceIds: [] })
      .catch((e: unknown) => e);
    expect((unauthorized as Error).message).toMatch(/HTTP 401/);
    const missing = await actuator()
      .scale({ decisionId: '4', policy: policy('absent'), count: 1, target: 2, instanceIds: [] })
      .catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/HTTP 404: deployments.apps "absent" not found/);
  });
});

describe('scaler with the kubernetes actuator', () => {
  const suite = useScalerSuite('scaler_kube', {
    scalerEnv: { KUBECONFIG: join(dir, `kubeconfig-${TOKEN.slice(0, 6)}.yaml`) },
  });

  it('brings a Deployment to the minimum, and backs off from a refusing API without looping', async () => {
    expect(TEST_SUBJECT_PREFIX).toBeTruthy();
    fake.kubeconfig(dir); // the file the suite's scaler reads
    fake.deployments.set('shop/shop-bundle', 0);
    fake.deployments.set('shop/locked-bundle', 0);
    fake.forbidden.add('shop/locked-bundle');
    const scaler = suite.scalers[0].url;
    for (const [bundleId, deployment] of [
      ['shop', 'shop-bundle'],
      ['locked', 'locked-bundle'],
    ]) {
      const put = await http(scaler, 'PUT', `/policies/${bundleId}`, {
        enabled: true,
        minInstances: 2,
        maxInstances: 4,
        autorun: true,
        startTimeoutMs: 60_000,
        actuator: { kind: 'kubernetes', namespace: 'shop', deployment },
      });
      expect(put.status).toBe(201);
    }
    await waitFor(() => fake.deployments.get('shop/shop-bundle') === 2, { what: 'replicas 2' });
    await waitFor(
      async () =>
        ((await http(scaler, 'GET', '/decisions?bundleId=shop')).body as Array<{ outcome: string }>)[0]?.outcome ===
        'succeeded',
      { what: 'the decision succeeded' },
    );
    const [decision] = (await http(scaler, 'GET', '/decisions?bundleId=shop')).body as Array<{
      output: string;
      actuator: string;
    }>;
    expect(decision).toEqual(
      expect.objectContaining({ actuator: 'kubernetes', output: 'deployment shop/shop-bundle: replicas 0 -> 2' }),
    );
    // The pods never register here: the start stays pending (counted) instead of being repeated.
    await sleep(4_000);
    expect(fake.patches('shop-bundle')).toHaveLength(1);

    // The refusing API: every attempt recorded as failed, retried with a doubling back-off (0.5, 1, 2, 4 s).
    // Stop the attempts, and let one in flight finish, before counting.
    await http(scaler, 'PUT', '/policies/locked', {
      enabled: false,
      minInstances: 2,
      maxInstances: 4,
      actuator: { kind: 'kubernetes', namespace: 'shop', deployment: 'locked-bundle' },
    });
    await waitFor(
      async () =>
        ((await http(scaler, 'GET', '/decisions?bundleId=locked')).body as Array<{ outcome: string }>).every(
          (d) => d.outcome !== 'pending',
        ),
      { what: 'no attempt in flight' },
    );
    const failed = (await http(scaler, 'GET', '/decisions?bundleId=locked')).body as Array<{
      outcome: string;
      error: string;
    }>;
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.length).toBeLessThanOrEqual(5);
    expect(failed.every((d) => d.outcome === 'failed' && /HTTP 403/.test(d.error))).toBe(true);
    expect(fake.patches('locked-bundle')).toHaveLength(failed.length);
    const rows = await queryDatabase<{ state: string }>(
      suite.url,
      `SELECT "state" FROM "scaler"."operations" WHERE "bundle_id" = 'locked'`,
    );
    expect(rows.every((row) => row.state === 'failed')).toBe(true);
  });

  it('scales a Deployment down on bored instances once, counting the pod Kubernetes is removing', async () => {
    fake.deployments.set('shop/quiet-bundle', 3);
    // Three running "pods" of bundle quiet, all bored (the pods Kubernetes would run).
    const pods: ChildProcess[] = ['quiet-a', 'quiet-b', 'quiet-c'].map((instanceId) =>
      spawn(process.execPath, [join(FIXTURES, 'sim-instance.mjs')], {
        stdio: 'ignore',
        env: {
          EVENTO_BUNDLE_ID: 'quiet',
          EVENTO_INSTANCE_ID: instanceId,
          EVENTO_NATS_URL: suite.scalers[0].config.NATS_URL,
          EVENTO_NATS_SUBJECT_PREFIX: TEST_SUBJECT_PREFIX,
          EVENTO_BUNDLE_TOKEN: BUNDLE_TOKEN,
          SIM_MOOD: 'bored',
          SIM_SIGNAL_INTERVAL_MS: '150',
        },
      }),
    );
    try {
      await waitFor(async () => (await available(suite.client, 'quiet')).length === 3, { what: 'three pods' });
      const scaler = suite.scalers[0].url;
      const put = await http(scaler, 'PUT', '/policies/quiet', {
        enabled: true,
        minInstances: 2,
        maxInstances: 4,
        cooldownDownMs: 0,
        drainTimeoutMs: 20_000,
        actuator: { kind: 'kubernetes', namespace: 'shop', deployment: 'quiet-bundle' },
      });
      expect(put.status).toBe(201);
      await waitFor(() => fake.deployments.get('shop/quiet-bundle') === 2, { what: 'replicas 2' });
      // Until Kubernetes has removed a pod, the drain it was asked for counts: no second patch.
      await sleep(2_000);
      expect(fake.patches('quiet-bundle').map((r) => r.body)).toEqual([{ spec: { replicas: 2 } }]);
      // Kubernetes removes a pod: SIGTERM, on which the instance disables itself and says goodbye.
      pods[0].kill('SIGTERM');
      await waitFor(async () => (await available(suite.client, 'quiet')).length === 2, { what: 'a pod gone' });
      await sleep(1_500);
      expect(fake.patches('quiet-bundle')).toHaveLength(1);
      const decisions = (await http(scaler, 'GET', '/decisions?bundleId=quiet')).body as Array<{
        action: string;
        outcome: string;
        reason: string;
      }>;
      // One scale-down; how many pods' bored signals had arrived by then depends on the machine's load.
      expect(decisions.filter((d) => d.action === 'down')).toEqual([
        expect.objectContaining({ outcome: 'succeeded', reason: expect.stringMatching(/^[1-3] bored$/) as unknown }),
      ]);
      expect(decisions.filter((d) => d.action === 'hold').map((d) => d.reason)).toContain('2 bored, at min 2');
    } finally {
      for (const pod of pods) pod.kill('SIGKILL');
    }
  });
});
