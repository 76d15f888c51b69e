import {
  instanceSubjects,
  RegistryContracts,
  type RoutingTableResponse,
  type WelcomeResponse,
} from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl, waitFor } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type RunningApp, startApp } from '../support/apps';
import { helloFor, join, RoutingChanges, session, todoDescriptor } from './support';

const LEASE_MS = 1000;
const SETTINGS = { HEARTBEAT_INTERVAL_MS: '200', INSTANCE_LEASE_MS: String(LEASE_MS), LEASE_SWEEP_MS: '100' };

/** Instances the table routes CreateTodoList to. */
function routedTo(table: RoutingTableResponse, payload = 'CreateTodoList'): string[] {
  return table.routes.filter((route) => route.payload === payload).flatMap((r) => r.instances.map((i) => i.instanceId));
}

describe('registry routing table and change notifications', () => {
  let nc: NatsConnection;
  let client: ContractClient;
  let changes: RoutingChanges;
  const url = freshDatabaseUrl('registry_routing');
  const replicas: RunningApp[] = [];

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    changes = new RoutingChanges(nc);
    replicas.push(await startApp('registry', { DATABASE_URL: url, ...SETTINGS }));
  });

  afterAll(async () => {
    changes?.close();
    for (const replica of replicas) await replica.app.close();
    await nc?.drain();
    await dropDatabase(url);
  });

  const table = () => client.request(RegistryContracts.routingTable, {});

  async function discovered(): Promise<WelcomeResponse> {
    const welcome = await join(client, helloFor('todo'));
    await client.request(RegistryContracts.discover, { ...session(welcome), descriptor: todoDescriptor() });
    return welcome;
  }

  it('routes commands and queries to available instances only, and notifies on enable, disable, leave', async () => {
    const a = await discovered();
    expect(routedTo(await table())).toEqual([]);

    await client.request(RegistryContracts.enable, session(a));
    await waitFor(() => changes.of(a.instanceId).includes('enabled'), { what: 'enabled notification' });
    const enabled = await table();
    expect(routedTo(enabled)).toEqual([a.instanceId]);
    expect(enabled.routes.find((r) => r.payload === 'CreateTodoList')).toMatchObject({
      kind: 'domain-command',
      bundleId: 'todo',
      componentName: 'TodoListAggregate',
      handlerType: 'aggregate-command',
      instances: [
        {
          instanceId: a.instanceId,
          bundleVersion: '1.0.0',
          requestsSubject: instanceSubjects('todo', a.instanceId).requests,
        },
      ],
    });
    expect(routedTo(enabled, 'FindTodoLists')).toEqual([a.instanceId]);
    expect(routedTo(enabled, 'SendReminder')).toEqual([a.instanceId]);
    // Events are read from the event store, not routed.
    expect(enabled.routes.map((r) => r.payload)).not.toContain('TodoListCreated');

    // A repeated enable changes nothing and tells no one.
    const before = changes.received.length;
    await client.request(RegistryContracts.enable, session(a));
    await client.request(RegistryContracts.disable, session(a));
    await waitFor(() => changes.of(a.instanceId).includes('disabled'), { what: 'disabled notification' });
    expect(changes.received.slice(before).map((c) => c.reason)).toEqual(['disabled']);
    expect(routedTo(await table())).toEqual([]);

    await client.request(RegistryContracts.enable, session(a));
    await client.request(RegistryContracts.goodbye, session(a));
    await waitFor(() => changes.of(a.instanceId).includes('goodbye'), { what: 'goodbye notification' });
    expect(routedTo(await table())).toEqual([]);
    expect(changes.received.find((c) => c.instanceId === a.instanceId)).toMatchObject({ bundleId: 'todo' });
  });

  it('drops a silent instance from routing and notifies when its lease expires', async () => {
    const silent = await discovered();
    await client.request(RegistryContracts.enable, session(silent));
    expect(routedTo(await table())).toEqual([silent.instanceId]);
    const since = Date.now();
    await waitFor(() => changes.of(silent.instanceId).includes('lease-expired'), {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'lease-expired notification',
    });
    expect(Date.now() - since).toBeLessThan(LEASE_MS + 1_500);
    expect(routedTo(await table())).toEqual([]);
  });

  it('expires the lease of an instance whose registry replica died', async () => {
    const second = await startApp('registry', { DATABASE_URL: url, ...SETTINGS });
    replicas.push(second);
    const survivor = replicas[0];
    // Find an instance that said hello to the second replica (the queue group picks one).
    let welcome: WelcomeResponse | undefined;
    for (let i = 0; i < 50 && !welcome; i += 1) {
      const candidate = await join(client, helloFor('todo'));
      if (candidate.registryInstanceId === second.config.INSTANCE_ID) welcome = candidate;
      else await client.request(RegistryContracts.goodbye, session(candidate));
    }
    expect(welcome).toBeDefined();
    await client.request(RegistryContracts.discover, { ...session(welcome!), descriptor: todoDescriptor() });
    await client.request(RegistryContracts.enable, session(welcome!));
    expect(routedTo(await table())).toEqual([welcome!.instanceId]);

    await second.app.close();
    replicas.pop();
    // The instance beats once more (the survivor answers), then goes silent along with its replica.
    expect(await client.request(RegistryContracts.heartbeat, session(welcome!))).toMatchObject({ status: 'ok' });
    const since = Date.now();
    await waitFor(() => changes.of(welcome!.instanceId).includes('lease-expired'), {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'lease-expired notification from the surviving replica',
    });
    expect(Date.now() - since).toBeLessThan(LEASE_MS + 1_500);
    expect(routedTo(await table())).toEqual([]);
    expect(survivor.config.INSTANCE_ID).not.toBe(second.config.INSTANCE_ID);
  });

  it('reports each expiry once even with several replicas sweeping', async () => {
    const third = await startApp('registry', { DATABASE_URL: url, ...SETTINGS });
    replicas.push(third);
    const instance = await discovered();
    await client.request(RegistryContracts.enable, session(instance));
    await waitFor(() => changes.of(instance.instanceId).includes('lease-expired'), { timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(changes.of(instance.instanceId).filter((reason) => reason === 'lease-expired')).toHaveLength(1);
  });

  it('numbers every change with a version shared by the replicas, so gateways can drop stale tables', async () => {
    // Two replicas answer these requests (the queue group spreads them); the numbers come from one sequence.
    const other = await startApp('registry', { DATABASE_URL: url, ...SETTINGS });
    replicas.push(other);
    try {
      const instance = await discovered();
      const since = changes.received.length;
      for (let i = 0; i < 4; i += 1) {
        await client.request(RegistryContracts.enable, session(instance));
        await client.request(RegistryContracts.disable, session(instance));
      }
      await waitFor(() => changes.of(instance.instanceId).filter((r) => r === 'disabled').length === 4, {
        what: 'eight notifications',
      });
      const versions = changes.received.slice(since).map((c) => c.version);
      expect(versions.length).toBeGreaterThanOrEqual(8);
      // Each change numbered once; numbers follow the order the changes were made in (notices
      // from two replicas may arrive in either order, so they are sorted by version here).
      const mine = changes.received.slice(since).filter((c) => c.instanceId === instance.instanceId);
      const numbers = mine.map((c) => c.version);
      expect(new Set(versions).size).toBe(versions.length);
      expect([...mine].sort((x, y) => x.version - y.version).map((c) => c.reason)).toEqual(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 'enabled' : 'disabled')),
      );
      // A table read after a notice is at least as new as the notice.
      const latest = Math.max(...numbers);
      const tables = await Promise.all([table(), table(), table()]);
      for (const t of tables) expect(t.version).toBeGreaterThanOrEqual(latest);
      const viaHttp = (await (await fetch(`${replicas[0].url}/routing`)).json()) as RoutingTableResponse;
      expect(viaHttp.version).toBeGreaterThanOrEqual(latest);
    } finally {
      await other.app.close();
      replicas.splice(replicas.indexOf(other), 1);
    }
  });
});
