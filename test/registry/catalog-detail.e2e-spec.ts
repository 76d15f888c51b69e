import { RegistryContracts } from '@evento/contracts';
import { useApps } from '../support/apps';
import { helloFor, join, session, todoDescriptor } from './support';

async function get<T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

describe('registry payload detail and dashboard', () => {
  const suite = useApps('registry', { label: 'registry_catalog_detail' });
  const base = () => suite.apps[0].url;

  beforeAll(async () => {
    const todo = await join(suite.client, helloFor('todo'));
    await suite.client.request(RegistryContracts.discover, { ...session(todo), descriptor: todoDescriptor() });
    await suite.client.request(RegistryContracts.enable, session(todo));
    await join(suite.client, helloFor('todo'));
    await suite.client.request(RegistryContracts.reportConsumers, {
      ...session(todo),
      consumers: [
        {
          consumerId: 'todo-projector',
          componentName: 'TodoListProjector',
          componentType: 'projector',
          version: 1,
          context: 'default',
          active: true,
          deadEvents: 2,
        },
        {
          consumerId: 'todo-saga',
          componentName: 'ReminderSaga',
          componentType: 'saga',
          version: 1,
          context: 'default',
          active: true,
          deadEvents: 0,
        },
      ],
    });
    // A second bundle declares an event of the same name and observes it.
    const audit = await join(suite.client, helloFor('audit'));
    await suite.client.request(RegistryContracts.discover, {
      ...session(audit),
      descriptor: {
        components: [
          { type: 'observer', name: 'Auditor', handlers: [{ handlerType: 'event', payload: 'TodoListCreated' }] },
        ],
        payloads: [{ name: 'TodoListCreated', kind: 'domain-event', schema: { type: 'object', required: ['listId'] } }],
      },
    });
    await suite.client.request(RegistryContracts.goodbye, session(audit));
  });

  it('tells who declares, handles, returns and invokes a payload', async () => {
    const created = await get<Record<string, Array<Record<string, unknown>>>>(`${base()}/payloads/TodoListCreated`);
    expect(created.status).toBe(200);
    expect(created.body.declarations).toEqual([
      expect.objectContaining({
        bundleId: 'audit',
        kind: 'domain-event',
        jsonSchema: { type: 'object', required: ['listId'] },
      }),
      expect.objectContaining({ bundleId: 'todo', kind: 'domain-event', domain: 'todo' }),
    ]);
    expect(
      created.body.handledBy.map((h) => `${String(h.bundleId)}/${String(h.componentName)}:${String(h.handlerType)}`),
    ).toEqual([
      'audit/Auditor:event',
      'todo/AuditObserver:event',
      'todo/ReminderSaga:saga-event',
      'todo/TodoListAggregate:event-sourcing',
      'todo/TodoListProjector:event',
    ]);
    expect(created.body.handledBy).toContainEqual(
      expect.objectContaining({ componentName: 'ReminderSaga', componentType: 'saga', associationProperty: 'listId' }),
    );
    expect(created.body.returnedBy).toEqual([
      expect.objectContaining({
        bundleId: 'todo',
        componentName: 'TodoListAggregate',
        componentType: 'aggregate',
        payload: 'CreateTodoList',
        handlerType: 'aggregate-command',
      }),
    ]);
    expect(created.body.invokedBy).toEqual([]);

    const command = await get<Record<string, Array<Record<string, unknown>>>>(`${base()}/payloads/CreateTodoList`);
    expect(command.body.declarations).toEqual([
      expect.objectContaining({
        kind: 'domain-command',
        jsonSchema: expect.objectContaining({ required: ['listId'] }),
      }),
    ]);
    expect(command.body.handledBy).toEqual([
      expect.objectContaining({ componentName: 'TodoListAggregate', returnType: 'TodoListCreated' }),
    ]);
    expect(command.body.invokedBy).toEqual([
      expect.objectContaining({
        componentName: 'TodoInvoker',
        componentType: 'invoker',
        payload: 'CreateFromUi',
        invokedAs: 'command',
      }),
    ]);

    const query = await get<Record<string, Array<Record<string, unknown>>>>(`${base()}/payloads/FindTodoLists`);
    expect(query.body.invokedBy).toEqual([
      expect.objectContaining({ componentName: 'ReminderSaga', invokedAs: 'query' }),
    ]);
    const view = await get<Record<string, Array<Record<string, unknown>>>>(`${base()}/payloads/TodoListView`);
    expect(view.body.returnedBy).toEqual([
      expect.objectContaining({ componentName: 'TodoListProjection', returnsMany: true }),
    ]);

    expect(await get(`${base()}/payloads/Nothing`)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await get(`${base()}/payloads/has%20space`)).status).toBe(400);
  });

  it('counts bundles, instances by status, components by type, payloads by kind and consumers', async () => {
    const dashboard = await get(`${base()}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toMatchObject({
      bundles: { total: 2, present: 1, absent: 1 },
      instances: { joined: 1, available: 1, unavailable: 0, gone: 1, live: 2 },
      components: {
        total: 8,
        byType: { aggregate: 1, service: 1, projector: 1, projection: 1, saga: 1, observer: 2, invoker: 1 },
      },
      handlers: 9,
      payloads: {
        total: 8,
        byKind: {
          'domain-command': 1,
          'service-command': 1,
          'domain-event': 2,
          'service-event': 1,
          query: 1,
          view: 1,
          invocation: 1,
        },
      },
      consumers: { total: 2, withDeadEvents: 1 },
    });
  });

  it('lists components and handlers, filtered and paged, and shows one component with its handlers', async () => {
    const all = await get<{ items: Array<Record<string, unknown>>; total: number }>(`${base()}/components`);
    expect(all.body.total).toBe(8);
    const observers = await get<{ items: Array<Record<string, unknown>>; total: number }>(
      `${base()}/components?type=observer`,
    );
    expect(observers.body.items.map((c) => `${String(c.bundleId)}/${String(c.name)}`)).toEqual([
      'audit/Auditor',
      'todo/AuditObserver',
    ]);
    const second = await get(`${base()}/components?bundleId=todo&pageSize=2&page=2`);
    expect(second.body).toMatchObject({
      total: 7,
      page: 2,
      pageSize: 2,
      items: [{ name: 'ReminderService' }, { name: 'TodoInvoker' }],
    });
    expect((await get(`${base()}/components?type=widget`)).status).toBe(400);

    const aggregate = await get(`${base()}/components/todo/TodoListAggregate`);
    expect(aggregate).toMatchObject({
      status: 200,
      body: { bundleId: 'todo', type: 'aggregate', path: 'src/todo/TodoListAggregate.ts', line: 12 },
    });
    expect((aggregate.body.handlerList as unknown[]).length).toBe(2);
    expect((await get(`${base()}/components/todo/Nothing`)).status).toBe(404);

    const handlers = await get<{ items: Array<Record<string, unknown>>; total: number }>(
      `${base()}/handlers?payload=TodoListCreated`,
    );
    expect(handlers.body.total).toBe(5);
    expect(handlers.body.items[0]).toMatchObject({ bundleId: 'audit', componentName: 'Auditor', handlerType: 'event' });
    const sagas = await get(`${base()}/handlers?handlerType=saga-event`);
    expect(sagas.body).toMatchObject({
      total: 1,
      items: [{ componentName: 'ReminderSaga', invokedCommands: ['SendReminder'] }],
    });
    expect((await get(`${base()}/handlers?pageSize=0`)).status).toBe(400);
  });
});
