import {
  type ConsumerReport,
  type ControlRequest,
  instanceSubjects,
  RegistryContracts,
  type WelcomeResponse,
} from '@evento/contracts';
import { queryDatabase, TEST_SUBJECT_PREFIX } from '@evento/testing';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { useApps } from '../support/apps';
import { helloFor, join, session } from './support';

const TIMEOUT_MS = 600;

interface HttpReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

async function http<T = Record<string, unknown>>(url: string, method = 'GET', body?: unknown): Promise<HttpReply<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

function consumer(overrides: Partial<ConsumerReport> = {}): ConsumerReport {
  return {
    consumerId: 'todo_TodoListProjector_1_default',
    componentName: 'TodoListProjector',
    componentType: 'projector',
    version: 1,
    context: 'default',
    active: true,
    cursor: '41',
    lag: 3,
    deadEvents: 2,
    ...overrides,
  };
}

describe('registry consumers: reports and admin actions relayed to the active instance', () => {
  const suite = useApps('registry', {
    label: 'registry_consumers',
    env: { CONSUMER_ADMIN_TIMEOUT_MS: String(TIMEOUT_MS), LEASE_SWEEP_MS: '200' },
  });
  const base = () => suite.apps[0].url;
  const subscriptions: Subscription[] = [];

  afterAll(() => subscriptions.forEach((s) => s.unsubscribe()));

  /** A bundle instance's control subject, answered by `answer` (undefined: stay silent). */
  function simulateControl(welcome: WelcomeResponse, answer: (request: ControlRequest) => unknown): ControlRequest[] {
    const received: ControlRequest[] = [];
    const subject = instanceSubjects(welcome.bundleId, welcome.instanceId).control;
    // The welcome names the subject as it is on NATS; this connection adds the prefix itself.
    expect(welcome.subjects.control).toBe(`${TEST_SUBJECT_PREFIX}.${subject}`);
    subscriptions.push(
      suite.nc.subscribe(subject, {
        callback: (_error, msg: Msg) => {
          const request = msg.json<ControlRequest>();
          received.push(request);
          const reply = answer(request);
          if (reply !== undefined) msg.respond(typeof reply === 'string' ? reply : JSON.stringify(reply));
        },
      }),
    );
    return received;
  }

  const report = (welcome: WelcomeResponse, consumers: ConsumerReport[]) =>
    suite.client.request(RegistryContracts.reportConsumers, { ...session(welcome), consumers });

  it('lists what live instances report, relays every admin action to the active one and relays its answer', async () => {
    const active = await join(suite.client, helloFor('todo'));
    const passive = await join(suite.client, helloFor('todo'));
    expect(
      await report(active, [
        consumer(),
        consumer({
          consumerId: 'todo_ReminderSaga_1_default',
          componentName: 'ReminderSaga',
          componentType: 'saga',
          deadEvents: 0,
        }),
      ]),
    ).toEqual({ accepted: 2 });
    expect(
      await report(passive, [consumer({ active: false, cursor: undefined, lag: undefined, deadEvents: undefined })]),
    ).toEqual({ accepted: 1 });

    const page = await http<{ items: Array<Record<string, unknown>>; total: number }>(
      `${base()}/consumers?bundleId=todo`,
    );
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(2);
    expect(page.body.items.map((c) => c.consumerId)).toEqual([
      'todo_ReminderSaga_1_default',
      'todo_TodoListProjector_1_default',
    ]);
    const detail = await http(`${base()}/consumers/todo/todo_TodoListProjector_1_default`);
    expect(detail).toMatchObject({
      status: 200,
      body: {
        bundleId: 'todo',
        componentType: 'projector',
        activeInstanceId: active.instanceId,
        deadEvents: 2,
        instances: expect.arrayContaining([
          expect.objectContaining({ instanceId: active.instanceId, active: true, cursor: '41', lag: 3 }),
          expect.objectContaining({ instanceId: passive.instanceId, active: false, cursor: null }),
        ]),
      },
    });
    expect((await http(`${base()}/consumers?bundleId=todo&pageSize=1&page=2`)).body).toMatchObject({
      total: 2,
      page: 2,
      items: [{ consumerId: 'todo_TodoListProjector_1_default' }],
    });

    const passiveReceived = simulateControl(passive, () => ({
      error: { code: 'INTERNAL', message: 'wrong instance' },
    }));
    const received = simulateControl(active, (request) => {
      if (request.type === 'consumer-status') {
        return {
          data: {
            consumerId: request.consumerId,
            componentName: 'TodoListProjector',
            componentType: 'projector',
            version: 1,
            // A consumer of every context reports `*`; it must be relayed, not refused.
            context: '*',
            active: true,
            enabled: true,
            cursor: '41',
            lag: 3,
            replaying: false,
            retrying: null,
            deadEvents: [
              {
                position: '40',
                eventId: 'e-40',
                eventName: 'TodoListCreated',
                aggregateId: 'list-1',
                errorName: 'TypeError',
                errorMessage: 'boom',
                attempts: 3,
                failedAt: '2026-11-22T07:00:00.000Z',
                retry: false,
                unknownField: 'dropped',
              },
            ],
          },
        };
      }
      if (request.type === 'consumer-delete-dead' && request.position === '404') {
        return { error: { code: 'NOT_FOUND', message: 'No dead event at 404', details: { position: '404' } } };
      }
      return {
        data: {
          consumerId: (request as { consumerId: string }).consumerId,
          done: true,
          message: `${request.type} done`,
        },
      };
    });
    const path = `${base()}/consumers/todo/todo_TodoListProjector_1_default`;

    const status = await http<Record<string, unknown>>(`${path}/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      instanceId: active.instanceId,
      context: '*',
      consumerId: 'todo_TodoListProjector_1_default',
      cursor: '41',
    });
    expect(status.body.deadEvents).toEqual([expect.not.objectContaining({ unknownField: 'dropped' })]);

    expect(await http(`${path}/dead-events/40/retry`, 'PUT', { retry: true })).toMatchObject({
      status: 200,
      body: { done: true, instanceId: active.instanceId, message: 'consumer-set-retry done' },
    });
    expect((await http(`${path}/dead-events/replay`, 'POST')).status).toBe(200);
    expect((await http(`${path}/dead-events/40`, 'DELETE')).status).toBe(200);
    expect((await http(`${path}/reset`, 'POST', { cursor: '' })).status).toBe(200);
    expect(received).toEqual([
      { type: 'consumer-status', consumerId: 'todo_TodoListProjector_1_default' },
      { type: 'consumer-set-retry', consumerId: 'todo_TodoListProjector_1_default', position: '40', retry: true },
      { type: 'consumer-replay-dead', consumerId: 'todo_TodoListProjector_1_default' },
      { type: 'consumer-delete-dead', consumerId: 'todo_TodoListProjector_1_default', position: '40' },
      { type: 'consumer-reset', consumerId: 'todo_TodoListProjector_1_default', cursor: '' },
    ]);
    expect(passiveReceived).toEqual([]);

    // The instance's error keeps its code.
    expect(await http(`${path}/dead-events/404`, 'DELETE')).toMatchObject({
      status: 404,
      body: {
        code: 'NOT_FOUND',
        message: 'No dead event at 404',
        details: { instanceId: active.instanceId, details: { position: '404' } },
      },
    });
    // Bad operator input never reaches the instance.
    const before = received.length;
    expect((await http(`${path}/dead-events/x1/retry`, 'PUT', { retry: true })).status).toBe(400);
    expect((await http(`${path}/dead-events/40/retry`, 'PUT', { retry: 'yes' })).status).toBe(400);
    expect((await http(`${path}/reset`, 'POST', { cursor: 'start' })).status).toBe(400);
    expect((await http(`${base()}/consumers/todo/bad%20id/status`)).status).toBe(400);
    expect(received).toHaveLength(before);
  });

  it('answers 404 NOT_FOUND for a consumer no live instance reports, on the lookup and on every admin action', async () => {
    const welcome = await join(suite.client, helloFor('ledger'));
    await report(welcome, [consumer({ consumerId: 'ledger_Known_1_default', componentName: 'Known' })]);
    const received = simulateControl(welcome, () => undefined);
    const unknownConsumer = `${base()}/consumers/ledger/ledger_Unknown_1_default`;
    const unknownBundle = `${base()}/consumers/nobundle/nobundle_P_1_default`;
    for (const path of [unknownConsumer, unknownBundle]) {
      const answers = [
        await http(path),
        await http(`${path}/status`),
        await http(`${path}/dead-events/40/retry`, 'PUT', { retry: true }),
        await http(`${path}/dead-events/40`, 'DELETE'),
        await http(`${path}/dead-events/replay`, 'POST'),
        await http(`${path}/reset`, 'POST', { cursor: '' }),
      ];
      expect(answers.map((answer) => [answer.status, answer.body.code])).toEqual(
        Array.from({ length: 6 }, () => [404, 'NOT_FOUND']),
      );
    }
    // Nothing was relayed for a consumer that does not exist.
    expect(received).toEqual([]);
  });

  it('answers NO_AVAILABLE_INSTANCE, DEADLINE_EXCEEDED and HANDLER_FAILED clearly', async () => {
    const welcome = await join(suite.client, helloFor('billing'));
    await report(welcome, [
      consumer({ consumerId: 'billing_Silent_1_default', componentName: 'Silent' }),
      consumer({ consumerId: 'billing_Garbage_1_default', componentName: 'Garbage' }),
      consumer({ consumerId: 'billing_Other_1_default', componentName: 'Other' }),
      consumer({ consumerId: 'billing_Passive_1_default', componentName: 'Passive', active: false }),
      consumer({ consumerId: 'billing_Text_1_default', componentName: 'Text' }),
    ]);
    simulateControl(welcome, (request) => {
      if (request.type !== 'consumer-status' || request.consumerId === 'billing_Silent_1_default') return undefined;
      if (request.consumerId === 'billing_Garbage_1_default') {
        return { data: { consumerId: request.consumerId, active: 'very' } };
      }
      if (request.consumerId === 'billing_Other_1_default') return { data: { consumerId: 'someone_else', done: true } };
      return 'not json';
    });
    const path = `${base()}/consumers/billing`;

    const passive = await http(`${path}/billing_Passive_1_default/dead-events/replay`, 'POST');
    expect(passive).toMatchObject({
      status: 503,
      body: { code: 'NO_AVAILABLE_INSTANCE', details: { reportedBy: [welcome.instanceId] } },
    });

    const started = Date.now();
    const silent = await http(`${path}/billing_Silent_1_default/status`);
    expect(silent).toMatchObject({ status: 504, body: { code: 'DEADLINE_EXCEEDED' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);

    expect(await http(`${path}/billing_Garbage_1_default/status`)).toMatchObject({
      status: 422,
      body: { code: 'HANDLER_FAILED', details: { reason: 'invalid-reply', instanceId: welcome.instanceId } },
    });
    expect(await http(`${path}/billing_Other_1_default/status`)).toMatchObject({
      status: 422,
      body: { code: 'HANDLER_FAILED' },
    });
    expect(await http(`${path}/billing_Text_1_default/status`)).toMatchObject({
      status: 422,
      body: {
        code: 'HANDLER_FAILED',
        message: expect.stringContaining('sent an unreadable reply') as unknown,
        details: { reason: 'invalid-reply', problems: [expect.stringContaining('not valid UTF-8 JSON')] },
      },
    });

    // An instance that reported but no longer listens on its control subject.
    const deaf = await join(suite.client, helloFor('deaf'));
    await report(deaf, [consumer({ consumerId: 'deaf_P_1_default', componentName: 'P' })]);
    expect(await http(`${base()}/consumers/deaf/deaf_P_1_default/status`)).toMatchObject({
      status: 503,
      body: { code: 'NO_AVAILABLE_INSTANCE' },
    });
  });

  it('refuses bad reports and drops consumers when the instance leaves or is superseded', async () => {
    const hello = helloFor('shop');
    const first = await join(suite.client, hello);
    await report(first, [consumer({ consumerId: 'shop_P_1_default' })]);

    await expect(
      report(first, [consumer({ consumerId: 'shop_P_1_default' }), consumer({ consumerId: 'shop_P_1_default' })]),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(report(first, [consumer({ consumerId: 'has space' })])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(report(first, [consumer({ componentType: 'aggregate' as never })])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      suite.client.request(RegistryContracts.reportConsumers, { ...session(first), consumers: 'all' as never }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // Refused reports changed nothing.
    expect((await http(`${base()}/consumers/shop/shop_P_1_default`)).body).toMatchObject({
      activeInstanceId: first.instanceId,
    });

    // A new hello with the same instance id supersedes the session: its consumers go.
    const second = await join(suite.client, hello);
    expect((await http(`${base()}/consumers/shop/shop_P_1_default`)).status).toBe(404);
    await expect(report(first, [consumer({ consumerId: 'shop_P_1_default' })])).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { reason: 'superseded' },
    });
    await report(second, [consumer({ consumerId: 'shop_P_1_default' }), consumer({ consumerId: 'shop_Q_1_default' })]);
    // A later report replaces the earlier one.
    await report(second, [consumer({ consumerId: 'shop_Q_1_default' })]);
    expect(
      (await http<{ items: Array<{ consumerId: string }> }>(`${base()}/consumers?bundleId=shop`)).body.items.map(
        (c) => c.consumerId,
      ),
    ).toEqual(['shop_Q_1_default']);

    await suite.client.request(RegistryContracts.goodbye, session(second));
    expect((await http(`${base()}/consumers?bundleId=shop`)).body).toMatchObject({ items: [], total: 0 });
    expect(
      await queryDatabase(suite.url, `SELECT count(*)::int AS n FROM registry.consumers WHERE bundle_id = 'shop'`),
    ).toEqual([{ n: 0 }]);
    expect((await http(`${base()}/consumers?pageSize=501`)).status).toBe(400);
  });
});
