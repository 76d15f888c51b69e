import { type BundleDescriptor, ErrorCode, RegistryContracts, type WelcomeResponse } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl, queryDatabase } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type RunningApp, startApp } from '../support/apps';
import { helloFor, join, session, todoDescriptor, withOwnPayloads } from './support';

/** Everything the catalog holds for one bundle, in a stable order. */
async function catalogOf(url: string, bundleId: string) {
  const [bundles, components, handlers, payloads] = await Promise.all([
    queryDatabase(
      url,
      'SELECT bundle_version, description, detail, repository_url, line_prefix FROM registry.bundles WHERE bundle_id = $1',
      [bundleId],
    ),
    queryDatabase(
      url,
      'SELECT name, type, description, path, line FROM registry.components WHERE bundle_id = $1 ORDER BY name',
      [bundleId],
    ),
    queryDatabase(
      url,
      `SELECT component_name, handler_type, payload, return_type, returns_many, association_property, line,
              invoked_commands, invoked_queries
         FROM registry.handlers WHERE bundle_id = $1 ORDER BY component_name, handler_type, payload`,
      [bundleId],
    ),
    queryDatabase(
      url,
      'SELECT name, kind, json_schema, domain, description FROM registry.payloads WHERE bundle_id = $1 ORDER BY name',
      [bundleId],
    ),
  ]);
  return { bundles, components, handlers, payloads };
}

describe('registry discovery', () => {
  let nc: NatsConnection;
  let client: ContractClient;
  let running: RunningApp;
  let todo: WelcomeResponse;
  const url = freshDatabaseUrl('registry_discovery');

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    running = await startApp('registry', { DATABASE_URL: url });
    todo = await join(client, helloFor('todo', { bundleVersion: '2.1.0' }));
  });

  afterAll(async () => {
    await running?.app.close();
    await nc?.drain();
    await dropDatabase(url);
  });

  const discover = (welcome: WelcomeResponse, descriptor: BundleDescriptor) =>
    client.request(RegistryContracts.discover, { ...session(welcome), descriptor });

  it('stores the full catalog of a bundle', async () => {
    expect(await discover(todo, todoDescriptor())).toEqual({
      bundleId: 'todo',
      bundleVersion: '2.1.0',
      components: 7,
      handlers: 8,
      payloads: 7,
    });
    const catalog = await catalogOf(url, 'todo');
    expect(catalog.bundles).toEqual([
      {
        bundle_version: '2.1.0',
        description: 'Todo lists',
        detail: '# Todo\nLists and items.',
        repository_url: 'https://github.com/example/todo',
        line_prefix: 'L',
      },
    ]);
    expect(catalog.components.map((c) => `${String(c.type)}:${String(c.name)}`).sort()).toEqual([
      'aggregate:TodoListAggregate',
      'invoker:TodoInvoker',
      'observer:AuditObserver',
      'projection:TodoListProjection',
      'projector:TodoListProjector',
      'saga:ReminderSaga',
      'service:ReminderService',
    ]);
    expect(catalog.components).toContainEqual({
      name: 'TodoListAggregate',
      type: 'aggregate',
      description: 'A todo list',
      path: 'src/todo/TodoListAggregate.ts',
      line: 12,
    });
    expect(catalog.handlers).toContainEqual({
      component_name: 'ReminderSaga',
      handler_type: 'saga-event',
      payload: 'TodoListCreated',
      return_type: null,
      returns_many: false,
      association_property: 'listId',
      line: null,
      invoked_commands: ['SendReminder'],
      invoked_queries: ['FindTodoLists'],
    });
    expect(catalog.handlers).toContainEqual(
      expect.objectContaining({
        component_name: 'TodoListProjection',
        return_type: 'TodoListView',
        returns_many: true,
      }),
    );
    expect(catalog.payloads).toContainEqual({
      name: 'CreateTodoList',
      kind: 'domain-command',
      domain: 'todo',
      description: 'Creates a list',
      json_schema: { type: 'object', properties: { listId: { type: 'string' } }, required: ['listId'] },
    });
  });

  it('updates changed rows and removes rows a bundle no longer reports', async () => {
    const descriptor = todoDescriptor();
    descriptor.description = 'Todo lists, v2';
    // The observer is gone, the projector handles a second event, the aggregate's line moved.
    descriptor.components = descriptor.components.filter((c) => c.name !== 'AuditObserver');
    descriptor.components.find((c) => c.name === 'TodoListAggregate')!.line = 99;
    descriptor.components
      .find((c) => c.name === 'TodoListProjector')!
      .handlers.push({
        handlerType: 'event',
        payload: 'TodoListRenamed',
      });
    descriptor.components.find((c) => c.name === 'ReminderSaga')!.handlers[0].invokedQueries = [];
    descriptor.payloads = descriptor.payloads.filter((p) => p.name !== 'CreateFromUi');
    descriptor.components = descriptor.components.filter((c) => c.name !== 'TodoInvoker');
    descriptor.payloads.push({ name: 'TodoListRenamed', kind: 'domain-event' });

    expect(await discover(todo, descriptor)).toMatchObject({ components: 5, handlers: 7, payloads: 7 });
    const catalog = await catalogOf(url, 'todo');
    expect(catalog.bundles[0].description).toBe('Todo lists, v2');
    expect(catalog.components.map((c) => c.name)).not.toContain('AuditObserver');
    expect(catalog.components.find((c) => c.name === 'TodoListAggregate')!.line).toBe(99);
    expect(catalog.handlers.filter((h) => h.component_name === 'AuditObserver')).toEqual([]);
    expect(catalog.handlers.filter((h) => h.component_name === 'TodoListProjector').map((h) => h.payload)).toEqual([
      'TodoListCreated',
      'TodoListRenamed',
    ]);
    expect(catalog.handlers.find((h) => h.component_name === 'ReminderSaga')!.invoked_queries).toEqual([]);
    expect(catalog.payloads.map((p) => p.name)).not.toContain('CreateFromUi');
    expect(catalog.payloads.map((p) => p.name)).toContain('TodoListRenamed');
  });

  it('keeps two bundles that declare the same names apart', async () => {
    // The same component and payload names, but only consumers: the commands, queries and events
    // themselves belong to todo, and a bundle may not handle what another owns.
    const copy = todoDescriptor();
    copy.components = copy.components.filter((c) => ['projector', 'observer', 'saga', 'invoker'].includes(c.type));
    const other = await join(client, helloFor('todo-copy'));
    await discover(other, copy);
    expect((await catalogOf(url, 'todo-copy')).components).toHaveLength(4);
    expect((await catalogOf(url, 'todo')).components).toHaveLength(5);
    const payloadOwners = await queryDatabase(
      url,
      `SELECT bundle_id FROM registry.payloads WHERE name = 'CreateTodoList' ORDER BY bundle_id`,
    );
    expect(payloadOwners).toEqual([{ bundle_id: 'todo' }, { bundle_id: 'todo-copy' }]);
  });

  it("keeps the payload property that holds a domain command's aggregate id, for the catalog and the gateways", async () => {
    const other = await join(client, helloFor('todo-ids'));
    const own = () => withOwnPayloads(todoDescriptor(), 'Ids');
    const descriptor = own();
    descriptor.payloads.find((p) => p.name === 'CreateTodoListIds')!.aggregateIdProperty = 'listId';
    await discover(other, descriptor);
    const rows = await queryDatabase(
      url,
      `SELECT name, aggregate_id_property FROM registry.payloads
        WHERE bundle_id = 'todo-ids' AND aggregate_id_property IS NOT NULL`,
    );
    expect(rows).toEqual([{ name: 'CreateTodoListIds', aggregate_id_property: 'listId' }]);
    const detail = (await (await fetch(`${running.url}/bundles/todo-ids`)).json()) as {
      payloadList: Array<{ name: string; aggregateIdProperty: string | null }>;
    };
    expect(detail.payloadList.find((p) => p.name === 'CreateTodoListIds')).toMatchObject({
      aggregateIdProperty: 'listId',
    });
    expect(detail.payloadList.find((p) => p.name === 'TodoListCreatedIds')).toMatchObject({
      aggregateIdProperty: null,
    });
    const table = await client.request(RegistryContracts.routingTable, { bundleId: 'todo-ids' });
    expect(table.routes.find((r) => r.payload === 'CreateTodoListIds')).toMatchObject({
      aggregateIdProperty: 'listId',
    });

    // A later descriptor without it takes it away.
    await discover(other, own());
    const after = await client.request(RegistryContracts.routingTable, { bundleId: 'todo-ids' });
    expect(after.routes.find((r) => r.payload === 'CreateTodoListIds')).toMatchObject({ aggregateIdProperty: null });

    // Only a domain command names one, and it must be a property name.
    const onEvent = own();
    onEvent.payloads.find((p) => p.name === 'TodoListCreatedIds')!.aggregateIdProperty = 'listId';
    const index = onEvent.payloads.findIndex((p) => p.name === 'TodoListCreatedIds');
    await expect(discover(other, onEvent)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      details: [{ property: `descriptor.payloads.${index}.aggregateIdProperty` }],
    });
    const badName = own();
    badName.payloads[0].aggregateIdProperty = 'list id';
    await expect(discover(other, badName)).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
  });

  it('rejects invalid descriptors and invalid JSON Schemas with a clear error, changing nothing', async () => {
    const before = await catalogOf(url, 'todo');

    const badSchema = todoDescriptor();
    badSchema.payloads[0].schema = { type: 'object', properties: { listId: { type: 'strin' } } };
    const refused = await discover(todo, badSchema).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      message: expect.stringContaining('schema of CreateTodoList does not compile') as unknown,
      details: [{ property: 'descriptor.payloads.0.schema' }],
    });

    const undeclared = todoDescriptor();
    undeclared.payloads = undeclared.payloads.filter((p) => p.name !== 'SendReminder');
    await expect(discover(todo, undeclared)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      message: expect.stringContaining('payload SendReminder is not declared') as unknown,
    });

    const wrongShape = { ...todoDescriptor(), components: [{ type: 'widget', name: 'has space', handlers: 'no' }] };
    const shapeError = await discover(todo, wrongShape as unknown as BundleDescriptor).catch((error: unknown) => error);
    expect(shapeError).toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    expect((shapeError as { details: Array<{ property: string }> }).details.map((d) => d.property)).toEqual(
      expect.arrayContaining(['descriptor.components.0.type', 'descriptor.components.0.name']),
    );

    const tooMany = todoDescriptor();
    tooMany.payloads = Array.from({ length: 2001 }, (_, i) => ({ name: `P${i}`, kind: 'query' as const }));
    await expect(discover(todo, tooMany)).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });

    expect(await catalogOf(url, 'todo')).toEqual(before);
  });

  it('refuses a descriptor from a session that is not live', async () => {
    await expect(
      discover({ ...todo, sessionId: '00000000-0000-0000-0000-000000000000' }, todoDescriptor()),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, details: { reason: 'superseded' } });
  });
});
