import {
  ErrorCode,
  EventStoreContracts,
  GatewayContracts,
  instanceSubjects,
  type ConsumerStatusResponse,
} from '@evento/contracts';
import { type EventContext, type EventoBundle, EventHandler, Projector } from '@evento/sdk';
import { EventoBundleHost } from '@evento/sdk/nest';
import { queryDatabase, waitFor } from '@evento/testing';
import { Injectable, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { useSuite } from '../../../test/sdk/support';
import { createTodoListApp } from '../src/bootstrap';
import { loadTodoListConfig } from '../src/config';
import { AddTodoItem, TodoItemAdded, type TodoListView } from '../src/domain/messages';
import { TodoListAggregate } from '../src/domain/todo-list.aggregate';
import { TodoListProjector } from '../src/domain/todo-list.projector';
import type { TodoListModuleOptions } from '../src/app.module';

/** The same projector at version 2: a new consumer, so it rebuilds the read model from 0. */
@Injectable()
@Projector({ name: 'TodoListProjector', version: 2, waitForHeadReached: true })
class TodoListProjectorV2 extends TodoListProjector {}

/** Version 2, slowed down, so a crash lands while events are still being applied. */
@Injectable()
@Projector({ name: 'TodoListProjector', version: 2, waitForHeadReached: true })
class SlowTodoListProjector extends TodoListProjectorV2 {
  override async onItemAdded(event: TodoItemAdded, context: EventContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 40));
    await super.onItemAdded(event, context);
  }
}

/** A projector whose handler throws until the test "fixes" it. */
@Injectable()
@Projector({ version: 1, retry: { attempts: 3, delayMs: 20 } })
class PoisonProjector {
  static broken = true;
  static seen: string[] = [];

  @EventHandler()
  onItemAdded(event: TodoItemAdded): void {
    if (PoisonProjector.broken && event.text === 'poison') throw new RangeError('cannot digest poison');
    PoisonProjector.seen.push(event.itemId);
  }
}

jest.setTimeout(60_000);

describe('TodoList example against the suite', () => {
  // Bundles must authenticate: the registry checks the hello's token, the gateway every request's.
  const token = 'todolist-test-token-0123456789';
  const suite = useSuite('todolist', ['event-store', 'registry', 'gateway'], { BUNDLE_TOKENS: `todolist=${token}` });
  const running: INestApplication[] = [];
  const config = (instanceId: string) =>
    loadTodoListConfig({
      DATABASE_URL: suite.url,
      NATS_URL: suite.bundleConnection.servers,
      NATS_SUBJECT_PREFIX: suite.bundleConnection.subjectPrefix,
      TODOLIST_HTTP_PORT: '0',
      TODOLIST_INSTANCE_ID: instanceId,
      BUNDLE_TOKEN: token,
    });

  async function boot(instanceId: string, options: TodoListModuleOptions = {}): Promise<INestApplication> {
    const app = await createTodoListApp(config(instanceId), { ...options, logger: ['error'] });
    await app.init();
    running.push(app);
    await bundleOf(app).enabled();
    // The gateways reload their routing table when the registry announces the change.
    await waitFor(
      async () => {
        const table = await suite.client.request(GatewayContracts.routes, { payload: 'GetTodoList' });
        return table.routes.some((route) => route.instances.includes(instanceId));
      },
      { what: `the gateway to route to ${instanceId}` },
    );
    return app;
  }
  const bundleOf = (app: INestApplication): EventoBundle => app.get(EventoBundleHost).bundle;
  const projectorOf = (app: INestApplication) => bundleOf(app).consumer('TodoListProjector')!;
  const close = async (app: INestApplication) => {
    running.splice(running.indexOf(app), 1);
    await app.close();
  };

  afterAll(async () => {
    for (const app of running.splice(0)) await app.close();
  });

  let app: INestApplication;
  let listId: string;
  let items: string[];

  it('creates a list and items through the REST API and reads the view once the projector caught up', async () => {
    app = await boot('todo-a');
    const http = app.getHttpServer();
    const created = await request(http).post('/lists').send({ name: 'Groceries', owner: 'alice' }).expect(201);
    listId = (created.body as { listId: string }).listId;
    items = [];
    let position = '';
    for (const text of ['Milk', 'Bread']) {
      const added = await request(http).post(`/lists/${listId}/items`).send({ text }).expect(201);
      items.push((added.body as { itemId: string }).itemId);
      position = (added.body as { position: string }).position;
    }
    const started = performance.now();
    await projectorOf(app).waitForPosition(position);
    const latencyMs = performance.now() - started;
    const view = (await request(http).get(`/lists/${listId}`).expect(200)).body as TodoListView;
    expect(view).toMatchObject({
      listId,
      name: 'Groceries',
      owner: 'alice',
      completed: false,
      appliedEvents: 3,
      items: [
        { itemId: items[0], text: 'Milk', checked: false },
        { itemId: items[1], text: 'Bread', checked: false },
      ],
    });
    const page = (await request(http).get('/lists').query({ owner: 'alice', page: 1, pageSize: 10 }).expect(200))
      .body as TodoListView[];
    expect(page.map((list) => list.listId)).toEqual([listId]);
    console.log(`append-to-view latency (command reply → projector at its position): ${latencyMs.toFixed(1)} ms`);
  });

  it('rejects commands that break the rules before they reach the aggregate', async () => {
    const aggregate = app.get(TodoListAggregate);
    const handled = aggregate.handled;
    await request(app.getHttpServer()).post('/lists').send({ name: '', owner: 'not ok!' }).expect(400);
    // Through the gateway, past the REST API's own validation: the bundle refuses it on arrival.
    await expect(
      bundleOf(app).commandGateway.send(AddTodoItem.of({ listId, itemId: 'bad id with spaces', text: '' })),
    ).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      message: expect.stringMatching(/^AddTodoItem is invalid: itemId must be .*; text must be longer/) as unknown,
    });
    expect(aggregate.handled).toBe(handled);
    // Without the bundle's token the gateway does not route it at all.
    await expect(
      suite.client.request(GatewayContracts.command, {
        command: 'AddTodoItem',
        aggregateId: listId,
        payload: { listId },
      }),
    ).rejects.toMatchObject({ code: ErrorCode.UNAUTHORIZED });
  });

  it('completes the list through the saga when its last item is checked; the observer fires once per event', async () => {
    const http = app.getHttpServer();
    for (const itemId of items) await request(http).post(`/lists/${listId}/items/${itemId}/check`).expect(200);
    await waitFor(async () => ((await request(http).get(`/lists/${listId}`)).body as TodoListView).completed === true, {
      timeoutMs: 15_000,
      what: 'the saga to complete the list',
    });
    const notes = await queryDatabase<{ event_name: string; position: string }>(
      suite.url,
      'SELECT event_name, position::text AS position FROM todolist.notification WHERE list_id = $1 ORDER BY id',
      [listId],
    );
    // Observers start at the head: they saw the list created only if they were running then (they were).
    expect(notes.map((note) => note.event_name)).toEqual(['TodoListCreated', 'TodoListCompleted']);
    expect(new Set(notes.map((note) => note.position)).size).toBe(notes.length);
  });

  it('refuses every command on a deleted list', async () => {
    const http = app.getHttpServer();
    const created = await request(http).post('/lists').send({ name: 'Doomed', owner: 'alice' }).expect(201);
    const doomed = (created.body as { listId: string }).listId;
    await request(http).delete(`/lists/${doomed}`).expect(200);
    const refused = await request(http).post(`/lists/${doomed}/items`).send({ text: 'x' }).expect(422);
    expect(refused.body).toMatchObject({
      code: ErrorCode.HANDLER_FAILED,
      details: { errorName: 'AggregateDeletedError' },
    });
  });

  it('takes the aggregate from the command payload and runs a command only at the version the caller expects', async () => {
    // The SDK found listId from getAggregateId(): the gateway takes the aggregate from the payload.
    const table = await suite.client.request(GatewayContracts.routes, { payload: 'AddTodoItem' });
    expect(table.routes[0]).toMatchObject({ aggregateIdProperty: 'listId' });
    const http = app.getHttpServer();
    const created = await request(http).post('/lists').send({ name: 'Versioned', owner: 'alice' }).expect(201);
    const versioned = (created.body as { listId: string }).listId;
    const gateway = bundleOf(app).commandGateway;
    const added = await gateway.send(AddTodoItem.of({ listId: versioned, itemId: 'first', text: 'one' }), {
      expectedVersion: 1,
    });
    expect(added.event).toMatchObject({ aggregateId: versioned, aggregateVersion: 2 });
    await expect(
      gateway.send(AddTodoItem.of({ listId: versioned, itemId: 'second', text: 'two' }), { expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 2, expectedVersion: 1 } });
    // An aggregate id that is not the payload's is refused, whatever the caller says.
    await expect(
      gateway.send(AddTodoItem.of({ listId: versioned, itemId: 'third', text: 'three' }), { aggregateId: listId }),
    ).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    const story = await suite.client.request(EventStoreContracts.loadStory, { aggregateId: versioned });
    expect(story.version).toBe(2);
  });

  it('resumes from its checkpoint after a restart, without processing anything again', async () => {
    const before = await queryDatabase(
      suite.url,
      'SELECT list_id, applied_events FROM todolist.todo_list ORDER BY list_id',
    );
    if (app) await close(app);
    app = await boot('todo-a');
    const projector = app.get(TodoListProjector);
    expect(projector.applied).toBe(0);
    const created = await request(app.getHttpServer())
      .post('/lists')
      .send({ name: 'Second', owner: 'alice' })
      .expect(201);
    await projectorOf(app).waitForPosition((created.body as { position: string }).position);
    expect(projector.applied).toBe(1);
    const after = await queryDatabase(
      suite.url,
      'SELECT list_id, applied_events FROM todolist.todo_list ORDER BY list_id',
    );
    expect(after.filter((row) => row.list_id !== (created.body as { listId: string }).listId)).toEqual(before);
  });

  it('rebuilds from 0 when the projector version changes, ending with the same view', async () => {
    const before = (await request(app.getHttpServer()).get(`/lists/${listId}`).expect(200)).body as TodoListView;
    const head = (
      await queryDatabase<{ position: string }>(
        suite.url,
        'SELECT max(position)::text AS position FROM event_store.events',
      )
    )[0].position;
    if (app) await close(app);
    app = await boot('todo-a', { projector: TodoListProjectorV2 });
    const projector = projectorOf(app);
    expect(projector.id).toBe('todolist_TodoListProjector_2_default');
    await projector.waitForPosition(head);
    expect(app.get(TodoListProjectorV2).applied).toBeGreaterThanOrEqual(before.appliedEvents);
    const after = (await request(app.getHttpServer()).get(`/lists/${listId}`).expect(200)).body as TodoListView;
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });

    // An operator's reset to '' (control subject) rebuilds it again, to the same view.
    const applied = app.get(TodoListProjectorV2).applied;
    const reply = await suite.nc.request(
      instanceSubjects('todolist', 'todo-a').control,
      JSON.stringify({ type: 'consumer-reset', consumerId: projector.id, cursor: '' }),
      { timeout: 10_000 },
    );
    expect(JSON.parse(reply.string())).toEqual({ data: { consumerId: projector.id, done: true } });
    await waitFor(() => app.get(TodoListProjectorV2).applied >= applied + before.appliedEvents, {
      what: 'the rebuild',
    });
    await projector.waitForPosition(head);
    const again = (await request(app.getHttpServer()).get(`/lists/${listId}`).expect(200)).body as TodoListView;
    expect({ ...again, updatedAt: null }).toEqual({ ...before, updatedAt: null });
  });

  it('dead-letters an event whose handler keeps failing, goes on, and processes it after a fix and a replay', async () => {
    if (app) await close(app);
    app = await boot('todo-a', { extraComponents: [PoisonProjector] });
    const http = app.getHttpServer();
    const list = (
      (await request(http).post('/lists').send({ name: 'Menu', owner: 'carol' }).expect(201)).body as { listId: string }
    ).listId;
    const poison = await request(http).post(`/lists/${list}/items`).send({ text: 'poison' }).expect(201);
    const fine = await request(http).post(`/lists/${list}/items`).send({ text: 'fine' }).expect(201);
    const consumer = bundleOf(app).consumer('PoisonProjector')!;
    await consumer.waitForPosition((fine.body as { position: string }).position, 15_000);
    expect(PoisonProjector.seen).toContain((fine.body as { itemId: string }).itemId);

    const control = async <T>(body: Record<string, unknown>) => {
      const reply = await suite.nc.request(instanceSubjects('todolist', 'todo-a').control, JSON.stringify(body), {
        timeout: 10_000,
      });
      return (JSON.parse(reply.string()) as { data: T }).data;
    };
    const status = await control<ConsumerStatusResponse>({ type: 'consumer-status', consumerId: consumer.id });
    const poisonPosition = (poison.body as { position: string }).position;
    expect(status.deadEvents).toMatchObject([
      {
        position: poisonPosition,
        eventName: 'TodoItemAdded',
        errorName: 'RangeError',
        errorMessage: 'cannot digest poison',
        attempts: 3,
        retry: false,
      },
    ]);

    // The operator's way: the registry's HTTP API, relayed to the instance running the consumer.
    const registry = request(suite.apps.get('registry')!.url);
    const base = `/consumers/todolist/${consumer.id}`;
    await waitFor(async () => ((await registry.get(base)).body as { deadEvents?: number }).deadEvents === 1, {
      what: 'the registry to count the dead event',
    });
    const relayed = await registry.get(`${base}/status`).expect(200);
    expect(JSON.stringify(relayed.body)).toContain(poisonPosition);
    PoisonProjector.broken = false;
    const flagged = await registry.put(`${base}/dead-events/${poisonPosition}/retry`).send({ retry: true }).expect(200);
    expect(JSON.stringify(flagged.body)).toContain('"done":true');
    const replayed = await registry.post(`${base}/dead-events/replay`).expect(200);
    expect(JSON.stringify(replayed.body)).toContain('"done":true');
    expect(PoisonProjector.seen).toContain((poison.body as { itemId: string }).itemId);
    expect(
      (await control<ConsumerStatusResponse>({ type: 'consumer-status', consumerId: consumer.id })).deadEvents,
    ).toEqual([]);
  });

  it('runs each consumer on exactly one of two instances; killed mid-stream, the other takes over, nothing skipped or doubled', async () => {
    if (app) await close(app);
    const first = await boot('todo-b', { projector: SlowTodoListProjector });
    const second = await boot('todo-c', { projector: SlowTodoListProjector });
    await waitFor(() => projectorOf(first).active || projectorOf(second).active, { what: 'an active projector' });
    for (const name of ['TodoListProjector', 'TodoListCompletionSaga', 'TodoListNotifier']) {
      const active = [first, second].filter((candidate) => bundleOf(candidate).consumer(name)!.active);
      expect(active).toHaveLength(1);
    }
    const [owner, standby] = projectorOf(first).active ? [first, second] : [second, first];
    const http = standby.getHttpServer();
    const created = await request(http).post('/lists').send({ name: 'Takeover', owner: 'bob' }).expect(201);
    const takeoverId = (created.body as { listId: string }).listId;
    const texts = Array.from({ length: 30 }, (_, i) => `item ${i}`);
    let last = '';
    for (const text of texts) {
      const added = await request(http).post(`/lists/${takeoverId}/items`).send({ text }).expect(201);
      last = (added.body as { position: string }).position;
    }
    const firstItem = BigInt((created.body as { position: string }).position) + 1n;
    // Kill the active one while it is applying the items (40 ms each): no goodbye, sockets cut.
    await projectorOf(owner).waitForPosition(String(firstItem + 5n));
    const appliedByOwner = owner.get(SlowTodoListProjector).applied;
    await bundleOf(owner).abort();
    await close(owner);
    const [checkpoint] = await queryDatabase<{ position: string }>(
      suite.url,
      "SELECT position::text AS position FROM todolist.consumer_checkpoint WHERE consumer_id = 'todolist_TodoListProjector_2_default'",
    );
    expect(BigInt(checkpoint.position)).toBeLessThan(BigInt(last));

    await projectorOf(standby).waitForPosition(last, 30_000);
    expect(projectorOf(standby).active).toBe(true);
    const view = (await request(http).get(`/lists/${takeoverId}`).expect(200)).body as TodoListView;
    expect(view.appliedEvents).toBe(1 + texts.length);
    expect(view.items.map((item) => item.text)).toEqual(texts);
    expect(appliedByOwner + standby.get(SlowTodoListProjector).applied).toBeGreaterThanOrEqual(1 + texts.length);
  });
});
