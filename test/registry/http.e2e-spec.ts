import { RegistryContracts, type RoutingTableResponse } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl, queryDatabase } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type RunningApp, startApp } from '../support/apps';
import { helloFor, join, RoutingChanges, session, todoDescriptor } from './support';

async function get<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

describe('registry HTTP API and catalog lifecycle', () => {
  let nc: NatsConnection;
  let client: ContractClient;
  let running: RunningApp;
  const url = freshDatabaseUrl('registry_http');

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    // A sweep that never comes during the test: what happens before it is what is checked.
    running = await startApp('registry', { DATABASE_URL: url, INSTANCE_LEASE_MS: '1500', LEASE_SWEEP_MS: '60000' });
  });

  afterAll(async () => {
    await running?.app.close();
    await nc?.drain();
    await dropDatabase(url);
  });

  it('lists bundles, their catalog, payloads, instances and routes; keeps a bundle that left until an operator removes it', async () => {
    const changes = new RoutingChanges(nc);
    try {
      const welcome = await join(client, helloFor('todo', { location: { host: 'h', pid: 7, pod: 'todo-0' } }));
      await client.request(RegistryContracts.discover, { ...session(welcome), descriptor: todoDescriptor() });
      await client.request(RegistryContracts.enable, session(welcome));

      const bundles = await get<Array<Record<string, unknown>>>(`${running.url}/bundles`);
      expect(bundles).toMatchObject({
        status: 200,
        body: [{ bundleId: 'todo', present: true, liveInstances: 1, components: 7, handlers: 8, payloads: 7 }],
      });
      const detail = await get<Record<string, unknown>>(`${running.url}/bundles/todo`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ bundleId: 'todo', detail: '# Todo\nLists and items.' });
      expect(detail.body.componentList).toHaveLength(7);
      expect(detail.body.handlerList).toContainEqual(
        expect.objectContaining({ componentName: 'ReminderSaga', associationProperty: 'listId' }),
      );
      expect(detail.body.payloadList).toContainEqual(
        expect.objectContaining({ name: 'CreateTodoList', jsonSchema: expect.objectContaining({ type: 'object' }) }),
      );
      expect((await get(`${running.url}/bundles/nope`)).status).toBe(404);
      expect((await get(`${running.url}/bundles/not.valid`)).status).toBe(400);

      type PayloadPage = {
        items: Array<{ name: string; kind: string }>;
        page: number;
        pageSize: number;
        total: number;
      };
      const payloads = await get<PayloadPage>(`${running.url}/payloads?bundleId=todo`);
      expect(payloads.body.items.map((p) => p.name)).toContain('TodoListView');
      const declared = payloads.body.total;
      expect(declared).toBe(payloads.body.items.length);
      // Paged and filtered by kind.
      const second = await get<PayloadPage>(`${running.url}/payloads?bundleId=todo&pageSize=2&page=2`);
      expect(second.body).toMatchObject({ page: 2, pageSize: 2, total: declared });
      expect(second.body.items.map((p) => p.name)).toEqual(payloads.body.items.slice(2, 4).map((p) => p.name));
      const views = await get<PayloadPage>(`${running.url}/payloads?kind=view`);
      expect(views.body.items.map((p) => p.kind)).toEqual(['view']);
      expect((await get(`${running.url}/payloads?kind=nope`)).status).toBe(400);

      const cluster = await get<{ instances: Array<Record<string, unknown>> }>(`${running.url}/cluster`);
      expect(cluster.body.instances).toEqual([
        expect.objectContaining({ instanceId: welcome.instanceId, status: 'available', pod: 'todo-0', host: 'h' }),
      ]);
      const routing = await get<RoutingTableResponse>(`${running.url}/routing`);
      expect(routing.body.routes.find((r) => r.payload === 'CreateTodoList')?.instances).toHaveLength(1);

      // Live instances keep their bundle.
      const refused = await fetch(`${running.url}/bundles/todo`, { method: 'DELETE' });
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ code: 'CONFLICT', details: { liveInstances: 1 } });

      // Silent for longer than the lease, no sweep yet: reads already treat it as gone.
      await new Promise((resolve) => setTimeout(resolve, 1700));
      const stale = await queryDatabase<{ status: string }>(url, 'SELECT status FROM registry.instances');
      expect(stale).toEqual([{ status: 'available' }]);
      const afterLease = await get<RoutingTableResponse>(`${running.url}/routing`);
      expect(afterLease.body.routes.find((r) => r.payload === 'CreateTodoList')?.instances).toEqual([]);
      expect((await get<{ instances: Array<{ status: string }> }>(`${running.url}/cluster`)).body.instances).toEqual([
        expect.objectContaining({ status: 'gone', leftReason: 'lease-expired' }),
      ]);

      // The catalog keeps what the bundle reported: expected, but absent.
      expect((await get(`${running.url}/bundles`)).body).toMatchObject([
        { bundleId: 'todo', present: false, liveInstances: 0, components: 7 },
      ]);
      const removed = await fetch(`${running.url}/bundles/todo`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
      expect((await get(`${running.url}/bundles`)).body).toEqual([]);
      expect(await queryDatabase(url, 'SELECT count(*)::int AS n FROM registry.handlers')).toEqual([{ n: 0 }]);
      expect((await fetch(`${running.url}/bundles/todo`, { method: 'DELETE' })).status).toBe(404);
      expect(changes.received.map((c) => c.reason)).toContain('removed');
    } finally {
      changes.close();
    }
  });
});
