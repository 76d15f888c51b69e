import {
  type ConsumerStatusResponse,
  ErrorCode,
  EventStoreContracts,
  instanceSubjects,
  RegistryContracts,
  type StoredEvent,
} from '@evento/contracts';
import {
  EventoBundle,
  type EventoBundleOptions,
  Service,
  ServiceCommand,
  ServiceCommandHandler,
  ServiceEvent,
  type ServiceContext,
} from '@evento/sdk';
import { IsEmail } from 'class-validator';
import { queryDatabase, waitFor } from '@evento/testing';
import { headers } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { TodoListAggregate } from '../../examples/todolist/src/domain/todo-list.aggregate';
import { TodoListNotifier } from '../../examples/todolist/src/domain/todo-list.observer';
import { TodoListProjection } from '../../examples/todolist/src/domain/todo-list.projection';
import { TodoListProjector } from '../../examples/todolist/src/domain/todo-list.projector';
import { TodoListCompletionSaga } from '../../examples/todolist/src/domain/todo-list.saga';
import { TodoListReadModel } from '../../examples/todolist/src/read-model/todo-list.read-model';
import { useSuite } from './support';

class SendReminder extends ServiceCommand {
  @IsEmail()
  to: string;

  override getLockId(): string {
    return this.to;
  }
}

class ReminderSent extends ServiceEvent {
  to: string;
  by: string;
}

class Unsubscribe extends ServiceCommand {
  @IsEmail()
  to: string;
}

@Service()
class Mailer {
  @ServiceCommandHandler()
  send(command: SendReminder, context: ServiceContext): ReminderSent {
    const user = context.metadata.user;
    return ReminderSent.of({ to: command.to, by: typeof user === 'string' ? user : 'nobody' });
  }

  @ServiceCommandHandler()
  unsubscribe(_command: Unsubscribe): void {}
}

function deadlineHeader(deadline: number) {
  const h = headers();
  h.set('evento-deadline', String(deadline));
  return h;
}

/*
 * The SDK runtime against the real registry and event store, without a gateway: the test plays
 * the gateway's part (it appends events and sends work to the instance's own subject).
 */
describe('SDK runtime (registry + event store)', () => {
  const suite = useSuite('sdk_runtime', ['event-store', 'registry']);
  let readModel: TodoListReadModel;
  let bundle: EventoBundle;
  let aggregate: TodoListAggregate;
  let projector: TodoListProjector;

  const options = (): EventoBundleOptions => ({
    bundleId: 'todolist',
    bundleVersion: '1.0.0',
    ...suite.bundleConnection,
    components: [
      new Mailer(),
      aggregate,
      projector,
      new TodoListProjection(readModel),
      new TodoListCompletionSaga(),
      new TodoListNotifier(readModel),
    ],
    store: { postgres: { url: suite.url, schema: 'todolist' } },
    consumers: { waitMs: 2_000, lockRetryMs: 200 },
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  });

  beforeAll(async () => {
    readModel = new TodoListReadModel(suite.url, 'todolist');
    await readModel.migrate();
    aggregate = new TodoListAggregate();
    projector = new TodoListProjector(readModel);
  });

  afterAll(async () => {
    await bundle?.stop();
    await readModel?.close();
  });

  const append = async (
    aggregateId: string,
    expectedVersion: number,
    eventName: string,
    payload: Record<string, unknown>,
  ) =>
    suite.client.request(EventStoreContracts.append, {
      aggregateId,
      expectedVersion: expectedVersion === 0 ? 'none' : expectedVersion,
      events: [{ eventId: randomUUID(), eventName, payload }],
    });

  const work = (body: Record<string, unknown>, deadline = Date.now() + 5_000) =>
    suite.nc
      .request(instanceSubjects('todolist', bundle.instanceId).requests, JSON.stringify(body), {
        timeout: 5_000,
        headers: deadlineHeader(deadline),
      })
      .then(
        (reply) =>
          JSON.parse(reply.string()) as {
            data?: Record<string, unknown>;
            error?: { code: string; message: string; details?: { errorName?: string } };
          },
      );

  it('joins: hello, discovery of every component, enable once the gating projector caught up', async () => {
    const before = await append('early-list', 0, 'TodoListCreated', {
      listId: 'early-list',
      name: 'Early',
      owner: 'ann',
    });
    bundle = new EventoBundle(options());
    await bundle.start();
    await bundle.enabled();
    expect(bundle.session?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    // The projector started from 0, so the event appended before the bundle existed is in the view.
    await bundle.consumer('TodoListProjector')!.waitForPosition(before.positions[0]);
    expect((await readModel.byId('early-list'))?.name).toBe('Early');

    const catalog = await queryDatabase<{ name: string; type: string }>(
      suite.url,
      'SELECT name, type FROM registry.components WHERE bundle_id = $1 ORDER BY name',
      ['todolist'],
    );
    expect(catalog).toEqual([
      { name: 'Mailer', type: 'service' },
      { name: 'TodoListAggregate', type: 'aggregate' },
      { name: 'TodoListCompletionSaga', type: 'saga' },
      { name: 'TodoListNotifier', type: 'observer' },
      { name: 'TodoListProjection', type: 'projection' },
      { name: 'TodoListProjector', type: 'projector' },
    ]);
    const schema = await queryDatabase<{ json_schema: { properties: Record<string, unknown>; required: string[] } }>(
      suite.url,
      "SELECT json_schema FROM registry.payloads WHERE bundle_id = 'todolist' AND name = 'CreateTodoList'",
    );
    expect(Object.keys(schema[0].json_schema.properties).sort()).toEqual(['listId', 'name', 'owner']);
    const routes = await suite.client.request(RegistryContracts.routingTable, { bundleId: 'todolist' });
    const create = routes.routes.find((route) => route.payload === 'CreateTodoList');
    expect(create?.instances.map((i) => i.instanceId)).toEqual([bundle.instanceId]);
  });

  it('runs a domain command from its story and answers the event', async () => {
    const reply = await work({
      type: 'domain-command',
      command: 'AddTodoItem',
      aggregateId: 'early-list',
      payload: { listId: 'early-list', itemId: 'i1', text: 'Milk' },
      metadata: {},
      story: await storyOf('early-list'),
    });
    expect(reply.data).toEqual({
      event: { eventName: 'TodoItemAdded', payload: { listId: 'early-list', itemId: 'i1', text: 'Milk' } },
    });
  });

  const storyOf = async (aggregateId: string) => {
    const story = await suite.client.request(EventStoreContracts.loadStory, { aggregateId });
    return {
      version: story.version,
      deleted: story.deleted,
      snapshot: story.snapshot,
      events: story.events,
      nextAfterVersion: story.nextAfterVersion,
    };
  };

  it('refuses a command that breaks the payload rules before the aggregate runs', async () => {
    const handled = aggregate.handled;
    const reply = await work({
      type: 'domain-command',
      command: 'AddTodoItem',
      aggregateId: 'early-list',
      payload: { listId: 'early-list', itemId: 'has spaces', text: '' },
      metadata: {},
      story: await storyOf('early-list'),
    });
    expect(reply.error?.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(reply.error?.message).toMatch(/itemId/);
    expect(aggregate.handled).toBe(handled);
  });

  it('applies the init, not-initialised and deleted rules with typed errors', async () => {
    const create = {
      type: 'domain-command',
      command: 'CreateTodoList',
      aggregateId: 'early-list',
      payload: { listId: 'early-list', name: 'x', owner: 'ann' },
      metadata: {},
    };
    expect((await work({ ...create, story: await storyOf('early-list') })).error?.details?.errorName).toBe(
      'AggregateInitializedError',
    );
    const missing = {
      type: 'domain-command',
      command: 'CheckTodoItem',
      aggregateId: 'nope',
      payload: { listId: 'nope', itemId: 'i1' },
      metadata: {},
    };
    expect(
      (
        await work({
          ...missing,
          story: { version: 0, deleted: false, snapshot: null, events: [], nextAfterVersion: null },
        })
      ).error,
    ).toMatchObject({
      code: ErrorCode.HANDLER_FAILED,
      details: { errorName: 'AggregateNotInitializedError', work: 'domain-command' },
    });
    const story = await storyOf('early-list');
    const deleted = await work({
      ...missing,
      aggregateId: 'early-list',
      payload: { listId: 'early-list', itemId: 'i1' },
      story: { ...story, deleted: true },
    });
    expect(deleted.error?.details?.errorName).toBe('AggregateDeletedError');
    const domainError = await work({
      ...missing,
      aggregateId: 'early-list',
      payload: { listId: 'early-list', itemId: 'zz' },
      story,
    });
    expect(domainError.error).toMatchObject({
      code: ErrorCode.HANDLER_FAILED,
      message: 'No item zz in list early-list',
      details: { errorName: 'TodoItemNotFoundError' },
    });
    expect(domainError.error?.details).not.toHaveProperty('stack');
  });

  it('refuses work whose deadline already passed, and malformed bodies', async () => {
    const late = await work(
      { type: 'query', query: 'GetTodoList', payload: { listId: 'early-list' }, metadata: {} },
      Date.now() - 1,
    );
    expect(late.error?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    const malformed = await suite.nc.request(instanceSubjects('todolist', bundle.instanceId).requests, 'not json', {
      timeout: 2_000,
    });
    expect(JSON.parse(malformed.string())).toMatchObject({ error: { code: ErrorCode.MALFORMED_MESSAGE } });
    const badStory = await work({
      type: 'domain-command',
      command: 'AddTodoItem',
      aggregateId: 'early-list',
      payload: { listId: 'early-list', itemId: 'i7', text: 'x' },
      story: { version: 1, deleted: false, snapshot: null, events: 'not a list', nextAfterVersion: null },
    });
    expect(badStory.error).toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      message: 'story.events must be an array of events',
    });
    const unknown = await work({ type: 'query', query: 'Nope', payload: {}, metadata: {} });
    expect(unknown.error?.code).toBe(ErrorCode.NO_HANDLER);
  });

  it('takes a snapshot every snapshotFrequency events', async () => {
    await append('snap-list', 0, 'TodoListCreated', { listId: 'snap-list', name: 'S', owner: 'ann' });
    for (let i = 1; i <= 8; i += 1) {
      await append('snap-list', i, 'TodoItemAdded', { listId: 'snap-list', itemId: `i${i}`, text: 't' });
    }
    const reply = await work({
      type: 'domain-command',
      command: 'AddTodoItem',
      aggregateId: 'snap-list',
      payload: { listId: 'snap-list', itemId: 'i9', text: 'nine' },
      metadata: {},
      story: await storyOf('snap-list'),
    });
    const snapshot = (reply.data as { snapshot?: { state: { items: Record<string, unknown> } } }).snapshot;
    expect(Object.keys(snapshot!.state.items)).toHaveLength(9);
  });

  it('runs service commands: an event, or none', async () => {
    const sent = await work({
      type: 'service-command',
      command: 'SendReminder',
      payload: { to: 'ann@example.com' },
      aggregateId: null,
      lockId: 'ann@example.com',
      metadata: { user: 'bob' },
    });
    expect(sent.data).toEqual({ event: { eventName: 'ReminderSent', payload: { to: 'ann@example.com', by: 'bob' } } });
    const none = await work({
      type: 'service-command',
      command: 'Unsubscribe',
      payload: { to: 'ann@example.com' },
      metadata: {},
    });
    expect(none.data).toEqual({ event: null });
    const invalid = await work({
      type: 'service-command',
      command: 'SendReminder',
      payload: { to: 'not an address' },
      metadata: {},
    });
    expect(invalid.error?.code).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('answers queries from the projection', async () => {
    const reply = await work({ type: 'query', query: 'GetTodoList', payload: { listId: 'early-list' }, metadata: {} });
    expect(reply.data).toMatchObject({ result: { listId: 'early-list', name: 'Early', owner: 'ann' } });
    const none = await work({ type: 'query', query: 'GetTodoList', payload: { listId: 'missing' }, metadata: {} });
    expect(none.data).toEqual({ result: null });
  });

  it('starts observers at the head, so they fire once per new event only', async () => {
    const appended = await append('obs-list', 0, 'TodoListCreated', { listId: 'obs-list', name: 'O', owner: 'bob' });
    await bundle.consumer('TodoListNotifier')!.waitForPosition(appended.positions[0]);
    const notes = await queryDatabase<{ list_id: string; position: string }>(
      suite.url,
      'SELECT list_id, position::text AS position FROM todolist.notification ORDER BY id',
    );
    // early-list was created before the observer existed: not notified; the others once each.
    expect(notes.map((note) => note.list_id)).toEqual(['snap-list', 'obs-list']);
    expect(notes[1].position).toBe(appended.positions[0]);
  });

  it('answers consumer status on the control subject', async () => {
    const consumer = bundle.consumer('TodoListProjector')!;
    const reply = await suite.nc.request(
      instanceSubjects('todolist', bundle.instanceId).control,
      JSON.stringify({ type: 'consumer-status', consumerId: consumer.id }),
      { timeout: 5_000 },
    );
    const status = (JSON.parse(reply.string()) as { data: ConsumerStatusResponse }).data;
    expect(status).toMatchObject({
      consumerId: 'todolist_TodoListProjector_1_default',
      componentType: 'projector',
      active: true,
      lag: 0,
      deadEvents: [],
    });
    const bad = await suite.nc.request(
      instanceSubjects('todolist', bundle.instanceId).control,
      JSON.stringify({ type: 'consumer-status', consumerId: 'no such' }),
      {
        timeout: 5_000,
      },
    );
    expect(JSON.parse(bad.string())).toMatchObject({ error: { code: ErrorCode.VALIDATION_FAILED } });
  });

  it('says hello again when the registry forgot it (lease expired)', async () => {
    const first = bundle.session!.sessionId;
    // Another hello with the same instance id supersedes the session, as after a registry loss.
    await suite.client.request(RegistryContracts.hello, {
      bundleId: 'todolist',
      bundleVersion: '1.0.0',
      instanceId: bundle.instanceId,
      protocolVersion: 1,
      location: { host: 'elsewhere', pid: 1 },
    });
    await waitFor(() => bundle.session!.sessionId !== first, { timeoutMs: 10_000, what: 'a new session' });
    await waitFor(
      async () => {
        const routes = await suite.client.request(RegistryContracts.routingTable, { bundleId: 'todolist' });
        return routes.routes.some((route) => route.instances.some((i) => i.instanceId === bundle.instanceId));
      },
      { timeoutMs: 10_000, what: 'enabled again' },
    );
  });

  it('stops: disable, goodbye, consumers released', async () => {
    await bundle.stop();
    const rows = await queryDatabase<{ status: string }>(
      suite.url,
      'SELECT status FROM registry.instances WHERE instance_id = $1',
      [bundle.instanceId],
    );
    expect(rows[0]?.status).toBe('gone');
    expect(bundle.consumers.every((consumer) => !consumer.active)).toBe(true);
  });
});

export type { StoredEvent };
