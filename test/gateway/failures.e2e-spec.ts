import {
  type CommandResult,
  ErrorCode,
  EventStoreContracts,
  GatewayContracts,
  Headers,
  type InstanceWork,
} from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, waitFor } from '@evento/testing';
import { headers as natsHeaders, type Msg } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { AppProcess, ensureBuilt } from '../support/app-process';
import { useApps } from '../support/apps';
import { counterDescriptor, counterRules, SimulatedBundle, type WorkHandler } from './simulated-bundle';

jest.setTimeout(90_000);

const REGISTRY_ENV = { HEARTBEAT_INTERVAL_MS: '200', INSTANCE_LEASE_MS: '1500', LEASE_SWEEP_MS: '200' };

beforeAll(async () => {
  await ensureBuilt('gateway');
}, 180_000);

describe('the gateway when instances and gateways die', () => {
  const store = useApps('event-store', { label: 'gw_fail_es' });
  const registry = useApps('registry', { label: 'gw_fail_rg', env: REGISTRY_ENV });
  const gateway = useApps('gateway', { label: 'gw_fail_gw' });
  const bundles: SimulatedBundle[] = [];

  async function startBundles(count: number, handle: (self: () => SimulatedBundle) => WorkHandler) {
    const started: SimulatedBundle[] = [];
    for (let i = 0; i < count; i += 1) {
      const bundle: SimulatedBundle = new SimulatedBundle(
        registry.nc,
        registry.client,
        'counter',
        counterDescriptor(),
        handle(() => bundle),
      );
      await bundle.start();
      started.push(bundle);
    }
    bundles.push(...started);
    await waitFor(
      async () => {
        const res = await fetch(`${gateway.apps[0].url}/routing?payload=Increment`);
        const table = (await res.json()) as { routes: Array<{ instances: string[] }> };
        return table.routes[0]?.instances.length === count;
      },
      { what: `the gateway to route to ${count} instances` },
    );
    return started;
  }

  afterEach(async () => {
    await Promise.all(bundles.splice(0).map((bundle) => bundle.stop()));
  });

  it('sends a domain command to another instance when the one holding it dies, and stores it once', async () => {
    let crashed: SimulatedBundle | undefined;
    const [a, b] = await startBundles(2, (self) => (work) => {
      if (work.type === 'domain-command' && work.command === 'Increment' && !crashed) {
        crashed = self();
        crashed.crash();
        return new Promise(() => undefined);
      }
      return counterRules(work);
    });
    const id = `counter-${randomUUID()}`;
    await gateway.client.request(GatewayContracts.command, { command: 'CreateCounter', aggregateId: id, payload: {} });
    const result = await gateway.client.request(
      GatewayContracts.command,
      { command: 'Increment', aggregateId: id, payload: { by: 5 } },
      { timeoutMs: 15_000 },
    );
    const survivor = crashed === a ? b : a;
    expect(result).toMatchObject({
      instanceId: survivor.instanceId,
      event: { aggregateVersion: 2, payload: { value: 5 } },
    });
    const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId: id });
    expect(story.version).toBe(2);
  });

  it('answers INSTANCE_LOST when a service instance dies holding a command, and stores nothing', async () => {
    await startBundles(1, (self) => (work: InstanceWork) => {
      if (work.type === 'service-command') {
        self().crash();
        return new Promise(() => undefined);
      }
      return counterRules(work);
    });
    const started = Date.now();
    await expect(
      gateway.client.request(
        GatewayContracts.command,
        { command: 'SendMail', payload: { to: 'lost' } },
        { timeoutMs: 15_000 },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INSTANCE_LOST });
    // Learnt from the lease, long before the deadline.
    expect(Date.now() - started).toBeLessThan(8_000);
    const mails = await store.client.request(EventStoreContracts.fetch, { eventNames: ['MailSent'] });
    expect(mails.events).toEqual([]);
  });

  it('passes the caller deadline unchanged to the event store and the bundle', async () => {
    const [bundle] = await startBundles(1, () => counterRules);
    const seen: Msg[] = [];
    // A plain subscriber sees a copy of every story request the event store's queue group serves.
    const spy = store.nc.subscribe(EventStoreContracts.loadStory.subject, {
      callback: (_e, msg) => {
        seen.push(msg);
      },
    });
    const id = `counter-${randomUUID()}`;
    const deadline = Date.now() + 7_000;
    const h = natsHeaders();
    h.set(Headers.deadline, String(deadline));
    const reply = await gateway.nc.request(
      GatewayContracts.command.subject,
      JSON.stringify({ command: 'CreateCounter', aggregateId: id, payload: {} }),
      { timeout: 7_000, headers: h },
    );
    spy.unsubscribe();
    expect(JSON.parse(reply.string())).toMatchObject({ data: { event: { aggregateVersion: 1 } } });
    const storyRequest = seen.find((msg) => (JSON.parse(msg.string()) as { aggregateId: string }).aggregateId === id);
    expect(storyRequest?.headers?.get(Headers.deadline)).toBe(String(deadline));
    expect(bundle.received.at(-1)!.deadline).toBe(deadline);
  });

  it('keeps serving when another gateway is killed mid-load; retries store each command once', async () => {
    await startBundles(2, () => counterRules);
    const url = freshDatabaseUrl('gw_fail_gw2');
    const second = new AppProcess('gateway', { DATABASE_URL: url, INSTANCE_ID: 'gateway-killed' });
    try {
      await second.ready(gateway.client, 'gateway-killed');
      const ids = Array.from({ length: 5 }, () => `counter-${randomUUID()}`);
      for (const id of ids) {
        await gateway.client.request(GatewayContracts.command, {
          command: 'CreateCounter',
          aggregateId: id,
          payload: {},
        });
      }
      const requests = Array.from({ length: 300 }, (_, i) => ({
        requestId: randomUUID(),
        aggregateId: ids[i % ids.length],
      }));
      const failed: typeof requests = [];
      const results: CommandResult[] = [];
      let next = 0;
      const worker = async () => {
        while (next < requests.length) {
          const request = requests[next++];
          try {
            results.push(
              await gateway.client.request(
                GatewayContracts.command,
                { command: 'Increment', aggregateId: request.aggregateId, payload: { by: 1 } },
                { timeoutMs: 3_000, requestId: request.requestId },
              ),
            );
          } catch {
            failed.push(request);
          }
        }
      };
      const load = Promise.all(Array.from({ length: 16 }, worker));
      await waitFor(() => results.length >= 60, { what: 'some load served', timeoutMs: 30_000 });
      await second.kill();
      expect(second.signal).toBe('SIGKILL');
      await load;
      // Those in flight on the killed gateway failed on the caller's side.
      expect(failed.length).toBeGreaterThan(0);

      // The survivor serves the retries: each either finds its event or runs for the first time.
      for (const request of failed) {
        results.push(
          await gateway.client.request(
            GatewayContracts.command,
            { command: 'Increment', aggregateId: request.aggregateId, payload: { by: 1 } },
            { timeoutMs: 10_000, requestId: request.requestId },
          ),
        );
      }
      expect(results).toHaveLength(300);
      let stored = 0;
      for (const id of ids) {
        const story = await store.client.request(EventStoreContracts.loadStory, {
          aggregateId: id,
          ignoreSnapshot: true,
        });
        const versions = story.events.map((event) => event.aggregateVersion);
        expect(versions).toEqual(Array.from({ length: versions.length }, (_, v) => v + 1));
        stored += story.events.length - 1;
        expect(story.nextAfterVersion).toBeNull();
      }
      expect(stored).toBe(300);
      expect(new Set(results.map((r) => r.event!.eventId)).size).toBe(300);
    } finally {
      await second.kill();
      await dropDatabase(url);
    }
  });
});
