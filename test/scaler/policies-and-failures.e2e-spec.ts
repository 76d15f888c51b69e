import { waitFor } from '@evento/testing';
import { http, sleep, useScalerSuite } from './support';

/**
 * Bad input and failures: invalid policies are refused with the broken rules; malformed
 * signals are counted and dropped; a deploy script that fails or hangs is recorded with its
 * output, retried with a doubling back-off, and never loops.
 */

jest.setTimeout(60_000);

const VALID = {
  enabled: false,
  minInstances: 1,
  maxInstances: 3,
  actuator: { kind: 'none' },
};

describe('scaling policies over HTTP', () => {
  const suite = useScalerSuite('scaler_policies', { scalerEnv: { DEPLOY_SCRIPT_TIMEOUT_MS: '1000' } });
  const scaler = () => suite.scalers[0].url;

  it('creates, replaces, reads and removes a policy, filling the defaults', async () => {
    const created = await http(scaler(), 'PUT', '/policies/billing', VALID);
    expect(created.status).toBe(201);
    expect(created.body).toEqual(
      expect.objectContaining({
        bundleId: 'billing',
        enabled: false,
        minInstances: 1,
        maxInstances: 3,
        step: 1,
        cooldownUpMs: 30_000,
        cooldownDownMs: 120_000,
        startTimeoutMs: 120_000,
        drainTimeoutMs: 30_000,
        autorun: false,
        actuator: { kind: 'none' },
      }),
    );
    const replaced = await http(scaler(), 'PUT', '/policies/billing', { ...VALID, maxInstances: 5, step: 2 });
    expect(replaced.status).toBe(200);
    expect((await http(scaler(), 'GET', '/policies/billing')).body).toEqual(
      expect.objectContaining({ maxInstances: 5, step: 2 }),
    );
    expect((await http(scaler(), 'GET', '/policies')).body).toHaveLength(1);
    expect((await http(scaler(), 'DELETE', '/policies/billing')).status).toBe(204);
    expect((await http(scaler(), 'GET', '/policies/billing')).status).toBe(404);
    expect((await http(scaler(), 'DELETE', '/policies/billing')).status).toBe(404);
  });

  it.each([
    ['min above max', { ...VALID, minInstances: 4, maxInstances: 2 }, 'maxInstances'],
    ['negative min', { ...VALID, minInstances: -1 }, 'minInstances'],
    ['fractional max', { ...VALID, maxInstances: 2.5 }, 'maxInstances'],
    ['zero step', { ...VALID, step: 0 }, 'step'],
    ['negative cool-down', { ...VALID, cooldownUpMs: -5 }, 'cooldownUpMs'],
    ['string enabled', { ...VALID, enabled: 'yes' }, 'enabled'],
    ['no actuator', { enabled: true, minInstances: 0, maxInstances: 1 }, 'actuator'],
    ['unknown actuator', { ...VALID, actuator: { kind: 'docker' } }, 'actuator.kind'],
    ['Deployment missing', { ...VALID, actuator: { kind: 'kubernetes', namespace: 'todo' } }, 'actuator.deployment'],
    [
      'bad namespace',
      { ...VALID, actuator: { kind: 'kubernetes', namespace: 'Todo_NS', deployment: 'x' } },
      'actuator.namespace',
    ],
    ['script path', { ...VALID, actuator: { kind: 'script', script: '../../bin/sh' } }, 'actuator.script'],
    [
      'script not executable',
      { ...VALID, actuator: { kind: 'script', script: 'not-executable.sh' } },
      'actuator.script',
    ],
    ['script absent', { ...VALID, actuator: { kind: 'script', script: 'absent.sh' } }, 'actuator.script'],
    [
      'reserved environment',
      { ...VALID, actuator: { kind: 'script', script: 'start-todo.sh', environment: { EVENTO_BUNDLE_TOKEN: 'x' } } },
      'actuator.environment',
    ],
  ])('refuses %s with a clear error', async (_name, body, property) => {
    const response = await http(scaler(), 'PUT', '/policies/todo', body);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    const properties = (response.body.details as Array<{ property: string }>).map((d) => d.property);
    expect(properties).toContain(property);
    expect((await http(scaler(), 'GET', '/policies/todo')).status).toBe(404);
  });

  it('refuses a bundle id that is not one, and a body that is not JSON', async () => {
    expect((await http(scaler(), 'PUT', '/policies/not%20a%20bundle', VALID)).status).toBe(400);
    const response = await fetch(`${scaler()}/policies/todo`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"enabled": tru',
    });
    expect(response.status).toBe(400);
  });

  it('refuses the script actuator when DEPLOY_SCRIPT_DIR is not set', async () => {
    const other = await suite.startScaler({ DEPLOY_SCRIPT_DIR: '' });
    const response = await http(other.url, 'PUT', '/policies/todo', {
      ...VALID,
      actuator: { kind: 'script', script: 'start-todo.sh' },
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('The script actuator is disabled: DEPLOY_SCRIPT_DIR is not set');
  });

  it('counts and drops malformed and invalid signals, and keeps serving', async () => {
    suite.nc.publish('evento.v1.scaler.signals', 'not json');
    suite.nc.publish('evento.v1.scaler.signals', JSON.stringify([1, 2]));
    suite.nc.publish(
      'evento.v1.scaler.signals',
      JSON.stringify({ bundleId: 'a b', instanceId: 'x', signal: 'bored', inFlight: 0 }),
    );
    suite.nc.publish(
      'evento.v1.scaler.signals',
      JSON.stringify({ bundleId: 'a', instanceId: 'x', signal: 'angry', inFlight: 0 }),
    );
    suite.nc.publish(
      'evento.v1.scaler.signals',
      JSON.stringify({ bundleId: 'a', instanceId: 'x', signal: 'bored', inFlight: -1 }),
    );
    suite.nc.publish(
      'evento.v1.scaler.signals',
      JSON.stringify({ bundleId: 'a', instanceId: 'x', signal: 'bored', inFlight: 0 }),
    );
    const metric = async (pattern: RegExp) => {
      const text = await Promise.all(suite.scalers.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
      return text.reduce((sum, t) => sum + Number(pattern.exec(t)?.[1] ?? 0), 0);
    };
    // The edge counts what it cannot take, by subject and error code.
    const dropped = (code: string) =>
      metric(
        new RegExp(
          `evento_nats_dropped_messages_total\\{[^}]*subject="evento.v1.scaler.signals",code="${code}"[^}]*\\} (\\d+)`,
        ),
      );
    // Not JSON is malformed; an array, a bad id, an unknown signal and a negative count break the contract.
    await waitFor(async () => (await dropped('VALIDATION_FAILED')) === 4, { what: 'four invalid signals counted' });
    expect(await dropped('MALFORMED_MESSAGE')).toBe(1);
    await waitFor(async () => (await metric(/evento_scaler_signals_total\{[^}]*signal="bored"[^}]*\} (\d+)/)) === 1, {
      what: 'the valid signal stored',
    });
    expect((await http(scaler(), 'GET', '/policies')).status).toBe(200);
  });

  it('records a failing deploy script with its output and retries it with a doubling back-off', async () => {
    const put = await http(scaler(), 'PUT', '/policies/broken', {
      enabled: true,
      minInstances: 1,
      maxInstances: 2,
      autorun: true,
      actuator: { kind: 'script', script: 'failing.sh' },
    });
    expect(put.status).toBe(201);
    await sleep(5_000);
    await http(scaler(), 'PUT', '/policies/broken', { ...VALID, actuator: { kind: 'script', script: 'failing.sh' } });
    await waitFor(
      async () =>
        ((await http(scaler(), 'GET', '/decisions?bundleId=broken')).body as Array<{ outcome: string }>).every(
          (d) => d.outcome !== 'pending',
        ),
      { what: 'no attempt in flight' },
    );
    const decisions = (await http(scaler(), 'GET', '/decisions?bundleId=broken')).body as Array<{
      action: string;
      outcome: string;
      error: string;
      output: string;
      finishedAt: string;
    }>;
    // Back-off 0.5, 1, 2, 4 s (ACTUATOR_RETRY_BASE_MS 500): a handful of attempts in 5 s, not one per tick.
    expect(decisions.length).toBeGreaterThanOrEqual(3);
    expect(decisions.length).toBeLessThanOrEqual(5);
    for (const decision of decisions) {
      expect(decision).toEqual(
        expect.objectContaining({ action: 'up', outcome: 'failed', error: 'Deploy script failed (exit 3)' }),
      );
      expect(decision.output).toContain('cannot reach the docker daemon');
      expect(decision.output).toContain('details on stderr');
    }
    // Attempt k+1 waits at least 500 ms * 2^k after attempt k failed.
    const finished = decisions.map((d) => Date.parse(d.finishedAt)).reverse();
    for (let k = 1; k < finished.length; k += 1) {
      expect(finished[k] - finished[k - 1]).toBeGreaterThanOrEqual(500 * 2 ** (k - 1) - 20);
    }
  });

  it('kills a hanging deploy script at its timeout and records it', async () => {
    await http(scaler(), 'PUT', '/policies/hanging', {
      enabled: true,
      minInstances: 1,
      maxInstances: 1,
      autorun: true,
      actuator: { kind: 'script', script: 'hanging.sh' },
    });
    await waitFor(
      async () =>
        ((await http(scaler(), 'GET', '/decisions?bundleId=hanging')).body as unknown[]).length > 0 &&
        ((await http(scaler(), 'GET', '/decisions?bundleId=hanging')).body as Array<{ outcome: string }>)[0].outcome ===
          'failed',
      { what: 'the hanging script killed' },
    );
    await http(scaler(), 'PUT', '/policies/hanging', { ...VALID, actuator: { kind: 'none' } });
    await waitFor(
      async () =>
        ((await http(scaler(), 'GET', '/decisions?bundleId=hanging')).body as Array<{ outcome: string }>).every(
          (d) => d.outcome !== 'pending',
        ),
      { what: 'no attempt in flight' },
    );
    const [decision] = (await http(scaler(), 'GET', '/decisions?bundleId=hanging')).body as Array<{
      error: string;
      output: string;
    }>;
    expect(decision.error).toBe('Deploy script timed out after 1000 ms');
    expect(decision.output).toContain('waiting forever');
  });
});
