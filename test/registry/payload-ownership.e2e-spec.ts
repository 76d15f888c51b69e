import {
  type BundleDescriptor,
  type CommandResult,
  ErrorCode,
  GatewayContracts,
  RegistryContracts,
  type SendCommandRequest,
  type WelcomeResponse,
} from '@evento/contracts';
import { queryDatabase, waitFor } from '@evento/testing';
import { useApps } from '../support/apps';
import { counterDescriptor, counterRules, SimulatedBundle } from '../gateway/simulated-bundle';
import { helloFor, join, RoutingChanges, session } from './support';

jest.setTimeout(60_000);

const object = { type: 'object' };

/** A bundle of its own: one service command nobody else declares. */
function snoopDescriptor(): BundleDescriptor {
  return {
    components: [
      { type: 'service', name: 'Snooper', handlers: [{ handlerType: 'service-command', payload: 'Snoop' }] },
    ],
    payloads: [{ name: 'Snoop', kind: 'service-command', schema: object }],
  };
}

/**
 * The same bundle declaring counter's command, query and event as its own, next to a new
 * command of its own (Spy), which must not be taken either when the descriptor is refused.
 */
function hostileDescriptor(): BundleDescriptor {
  const own = snoopDescriptor();
  return {
    components: [
      ...own.components,
      {
        type: 'aggregate',
        name: 'FakeCounter',
        handlers: [
          { handlerType: 'aggregate-command', payload: 'Increment', returnType: 'Incremented' },
          { handlerType: 'aggregate-command', payload: 'Spy' },
        ],
      },
      { type: 'projection', name: 'FakeProjection', handlers: [{ handlerType: 'query', payload: 'FindCounter' }] },
    ],
    payloads: [
      ...own.payloads,
      { name: 'Increment', kind: 'domain-command', schema: object },
      { name: 'Incremented', kind: 'domain-event', schema: object },
      { name: 'Spy', kind: 'domain-command', schema: object },
      { name: 'FindCounter', kind: 'query', schema: object },
    ],
  };
}

/** Snoop, plus a handler of Increment that produces nothing another bundle owns. */
function takeoverDescriptor(): BundleDescriptor {
  const own = snoopDescriptor();
  return {
    components: [
      ...own.components,
      { type: 'aggregate', name: 'NewCounter', handlers: [{ handlerType: 'aggregate-command', payload: 'Increment' }] },
    ],
    payloads: [...own.payloads, { name: 'Increment', kind: 'domain-command', schema: object }],
  };
}

/** Only consumers of counter's events, and an invoker of its command: none of them takes anything. */
function consumerDescriptor(name: string): BundleDescriptor {
  return {
    components: [
      { type: 'projector', name: `${name}Projector`, handlers: [{ handlerType: 'event', payload: 'Incremented' }] },
      { type: 'observer', name: `${name}Observer`, handlers: [{ handlerType: 'event', payload: 'CounterCreated' }] },
      {
        type: 'saga',
        name: `${name}Saga`,
        handlers: [
          {
            handlerType: 'saga-event',
            payload: 'Incremented',
            associationProperty: 'value',
            invokedCommands: ['Increment'],
            invokedQueries: ['FindCounter'],
          },
        ],
      },
    ],
    payloads: [
      { name: 'Incremented', kind: 'domain-event', schema: object },
      { name: 'CounterCreated', kind: 'domain-event', schema: object },
    ],
  };
}

interface OwnerView {
  bundleId: string;
  source: string;
  transferId: string | null;
  since: string;
}
interface PayloadDetail {
  name: string;
  owner: OwnerView | null;
  recentTransfers: Array<Record<string, unknown>>;
  transfers: number;
  declarations: Array<{ bundleId: string; owner: string | null }>;
  handledBy: Array<{ bundleId: string; componentName: string }>;
}
interface HttpAnswer<T> {
  status: number;
  body: T & { code?: string; message?: string };
}

/**
 * A payload has one owner: the first bundle whose descriptor declares a handler (or producer)
 * of it. Another bundle, with credentials of its own, cannot take it by declaring it; only an
 * operator's transfer or the owner's removal moves it. Consumers never take events.
 */
const ALICE = 'alice-admin-token-0123456789';
const BOB = 'bob-operator-token-0123456789';
const VERA = 'vera-viewer-token-0123456789';

describe('payload ownership', () => {
  useApps('event-store', { label: 'rg_own_es' });
  const registry = useApps('registry', {
    label: 'rg_own_rg',
    env: { OPERATOR_TOKENS: `alice:admin:${ALICE},bob:operator:${BOB},vera:viewer:${VERA}` },
  });
  const gateways = useApps('gateway', { label: 'rg_own_gw' });
  let counter: SimulatedBundle;
  let intruder: SimulatedBundle;
  let changes: RoutingChanges;

  beforeAll(async () => {
    changes = new RoutingChanges(registry.nc);
    // No bundle tokens are configured: the registry accepts every bundle, as it accepts one
    // presenting its own valid token. Ownership, not credentials, decides what it may handle.
    counter = new SimulatedBundle(registry.nc, registry.client, 'counter', counterDescriptor(), counterRules);
    // Its id sorts before counter's: where two bundles handled one command, the gateway used to
    // pick the first by id, so a descriptor it was allowed to send would take counter's commands.
    intruder = new SimulatedBundle(registry.nc, registry.client, 'abacus', snoopDescriptor(), counterRules);
    await counter.start();
    await intruder.start();
    await command({ command: 'CreateCounter', aggregateId: 'c-1', payload: { start: 0 } });
  });

  afterAll(async () => {
    changes?.close();
    await counter?.stop();
    await intruder?.stop();
  });

  const command = (body: SendCommandRequest): Promise<CommandResult> =>
    gateways.client.request(GatewayContracts.command, body, { timeoutMs: 10_000 });
  const increment = () => command({ command: 'Increment', aggregateId: 'c-1', payload: { by: 1 } });
  const registryUrl = () => registry.apps[0].url;
  const routes = async (payload: string) =>
    (await registry.client.request(RegistryContracts.routingTable, {})).routes.filter((r) => r.payload === payload);
  const routedTo = async (payload: string) =>
    (await routes(payload)).map((route) => [route.bundleId, route.instances.map((i) => i.instanceId)]);
  const catalogRows = (bundleId: string) =>
    queryDatabase(
      registry.url,
      `SELECT (SELECT discovered_at FROM registry.bundles WHERE bundle_id = $1) AS discovered_at,
              (SELECT json_agg(name ORDER BY name) FROM registry.components WHERE bundle_id = $1) AS components,
              (SELECT json_agg(payload ORDER BY payload) FROM registry.handlers WHERE bundle_id = $1) AS handlers,
              (SELECT json_agg(name ORDER BY name) FROM registry.payloads WHERE bundle_id = $1) AS payloads`,
      [bundleId],
    );
  const owners = (names: string[]) =>
    queryDatabase<{ payload: string; bundle_id: string }>(
      registry.url,
      'SELECT payload, bundle_id FROM registry.payload_owners WHERE payload = ANY($1::text[]) ORDER BY payload',
      [names],
    );

  async function http<T>(method: string, path: string, body?: unknown, token = ALICE): Promise<HttpAnswer<T>> {
    const res = await fetch(`${registryUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as HttpAnswer<T>['body'] };
  }

  /** Waits until the gateway routes the payload to the bundle's instance. */
  async function gatewayRoutes(payload: string, bundle: SimulatedBundle): Promise<void> {
    await waitFor(
      async () => {
        const res = await fetch(`${gateways.apps[0].url}/routing?payload=${payload}`);
        const table = (await res.json()) as { routes: Array<{ bundleId: string; instances: string[] }> };
        return table.routes.length === 1 && table.routes[0].instances[0] === bundle.instanceId;
      },
      { what: `the gateway routing ${payload} to ${bundle.bundleId}` },
    );
  }

  it("refuses a descriptor that declares another bundle's command, query or event, storing nothing and changing no route", async () => {
    expect((await increment()).bundleId).toBe('counter');
    const before = { catalog: await catalogRows('abacus'), routes: await routedTo('Increment') };
    expect(before.routes).toEqual([['counter', [counter.instanceId]]]);
    const noticesBefore = changes.received.length;

    const refused = await registry.client
      .request(RegistryContracts.discover, { ...intruder.session, descriptor: hostileDescriptor() })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      details: {
        reason: 'payload-owned',
        payloads: [
          { payload: 'FindCounter', owner: 'counter' },
          { payload: 'Increment', owner: 'counter' },
          { payload: 'Incremented', owner: 'counter' },
        ],
      },
    });
    expect((refused as Error).message).toContain('Increment (owned by counter)');

    // Nothing of the descriptor was stored, not even its own new command, and no route moved.
    expect(await catalogRows('abacus')).toEqual(before.catalog);
    expect(await owners(['Spy'])).toEqual([]);
    expect(await routedTo('Increment')).toEqual(before.routes);
    expect(await routedTo('FindCounter')).toEqual([['counter', [counter.instanceId]]]);
    expect(changes.received.slice(noticesBefore).filter((c) => c.bundleId === 'abacus')).toEqual([]);

    // The gateway still sends counter's command (and the aggregate's story) to counter only.
    const receivedBefore = intruder.received.length;
    expect(await increment()).toMatchObject({ bundleId: 'counter', instanceId: counter.instanceId });
    expect(intruder.received.slice(receivedBefore)).toEqual([]);
  });

  it('gives a payload claimed by two bundles at once to exactly one of them', async () => {
    const racers = await Promise.all(['racer-1', 'racer-2'].map((id) => join(registry.client, helloFor(id))));
    const race: BundleDescriptor = {
      components: [{ type: 'service', name: 'Racer', handlers: [{ handlerType: 'service-command', payload: 'Race' }] }],
      payloads: [{ name: 'Race', kind: 'service-command' }],
    };
    const outcomes = await Promise.allSettled(
      racers.map((welcome: WelcomeResponse) =>
        registry.client.request(RegistryContracts.discover, { ...session(welcome), descriptor: race }),
      ),
    );
    const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.bundleId] : []));
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toEqual([expect.objectContaining({ code: ErrorCode.FORBIDDEN })]);
    expect(await owners(['Race'])).toEqual([{ payload: 'Race', bundle_id: won[0] }]);
    for (const welcome of racers) await registry.client.request(RegistryContracts.goodbye, session(welcome));
  });

  it('lets any number of bundles consume one event, but only its owner produce it', async () => {
    for (const id of ['audit', 'reports']) {
      const welcome = await join(registry.client, helloFor(id));
      expect(
        await registry.client.request(RegistryContracts.discover, {
          ...session(welcome),
          descriptor: consumerDescriptor(id),
        }),
      ).toMatchObject({ bundleId: id, components: 3 });
    }
    const event = await http<PayloadDetail>('GET', '/payloads/Incremented');
    expect(event.status).toBe(200);
    expect(event.body.owner).toMatchObject({ bundleId: 'counter', source: 'declared', transferId: null });
    expect(event.body.handledBy.map((h) => h.bundleId)).toEqual(
      expect.arrayContaining(['audit', 'audit', 'reports', 'reports', 'counter']),
    );
    expect(event.body.declarations.map((d) => [d.bundleId, d.owner])).toEqual([
      ['audit', 'counter'],
      ['counter', 'counter'],
      ['reports', 'counter'],
    ]);

    // Producing it is owning it: an aggregate that emits or applies it is refused.
    const producer = await join(registry.client, helloFor('forger'));
    const forged: BundleDescriptor = {
      components: [
        {
          type: 'aggregate',
          name: 'Forger',
          handlers: [
            { handlerType: 'aggregate-command', payload: 'Forge', returnType: 'Incremented' },
            { handlerType: 'event-sourcing', payload: 'CounterCreated' },
          ],
        },
      ],
      payloads: [
        { name: 'Forge', kind: 'domain-command' },
        { name: 'Incremented', kind: 'domain-event' },
        { name: 'CounterCreated', kind: 'domain-event' },
      ],
    };
    await expect(
      registry.client.request(RegistryContracts.discover, { ...session(producer), descriptor: forged }),
    ).rejects.toMatchObject({
      code: ErrorCode.FORBIDDEN,
      details: {
        payloads: [
          { payload: 'CounterCreated', owner: 'counter' },
          { payload: 'Incremented', owner: 'counter' },
        ],
      },
    });
    expect(await owners(['Forge'])).toEqual([]);
  });

  it('moves a payload on an approved transfer, recorded and shown in the catalog', async () => {
    const approval = { to: 'abacus', reason: 'Counting moves to the abacus team' };
    // Only an admin approves; bad requests change nothing.
    expect(await http('POST', '/payloads/Increment/transfers', approval, BOB)).toMatchObject({
      status: 403,
      body: { code: ErrorCode.FORBIDDEN },
    });
    expect(await http('POST', '/payloads/Increment/transfers', { to: 'abacus' })).toMatchObject({
      status: 400,
      body: { code: ErrorCode.VALIDATION_FAILED },
    });
    expect(await http('POST', '/payloads/Increment/transfers', { ...approval, to: 'not a bundle' })).toMatchObject({
      status: 400,
    });
    expect(await http('POST', '/payloads/Increment/transfers', { ...approval, to: 'nobody' })).toMatchObject({
      status: 404,
      body: { code: ErrorCode.NOT_FOUND },
    });
    expect(await http('POST', '/payloads/Increment/transfers', { ...approval, to: 'counter' })).toMatchObject({
      status: 409,
      body: { code: ErrorCode.CONFLICT },
    });
    expect(await http('POST', '/payloads/NobodyOwnsThis/transfers', approval)).toMatchObject({ status: 404 });
    expect(await owners(['Increment'])).toEqual([{ payload: 'Increment', bundle_id: 'counter' }]);

    const noticesBefore = changes.received.length;
    const started = Date.now();
    const transfer = await http<Record<string, unknown>>('POST', '/payloads/Increment/transfers', approval);
    expect(transfer).toMatchObject({
      status: 201,
      body: {
        transferId: expect.any(String) as unknown,
        payload: 'Increment',
        from: 'counter',
        to: 'abacus',
        reason: approval.reason,
        // Who approved it comes from the credentials, not from the body.
        approvedBy: 'alice',
      },
    });
    expect(Date.parse(transfer.body.approvedAt as string)).toBeGreaterThanOrEqual(started - 1_000);
    await waitFor(
      () => changes.received.slice(noticesBefore).some((c) => c.reason === 'transferred' && c.bundleId === 'abacus'),
      { what: 'transferred notice' },
    );
    // The new owner has no handler yet: the old owner's is not routed any more.
    expect(await routedTo('Increment')).toEqual([]);

    // The descriptor refused before is accepted now, and the gateway sends Increment there.
    expect(
      await registry.client.request(RegistryContracts.discover, {
        ...intruder.session,
        descriptor: takeoverDescriptor(),
      }),
    ).toMatchObject({ bundleId: 'abacus' });
    expect(await routedTo('Increment')).toEqual([['abacus', [intruder.instanceId]]]);
    await gatewayRoutes('Increment', intruder);
    expect(await increment()).toMatchObject({ bundleId: 'abacus', instanceId: intruder.instanceId });

    // The catalog shows the owner and the transfer.
    const detail = await http<PayloadDetail>('GET', '/payloads/Increment');
    expect(detail.body.owner).toMatchObject({
      bundleId: 'abacus',
      source: 'transfer',
      transferId: transfer.body.transferId,
    });
    expect(detail.body.recentTransfers).toEqual([transfer.body]);
    expect(detail.body.transfers).toBe(1);
    expect(detail.body.handledBy.map((h) => h.bundleId).sort()).toEqual(['abacus', 'counter']);
    expect(await http('GET', '/payloads/Increment/transfers?pageSize=10')).toMatchObject({
      status: 200,
      body: { items: [transfer.body], page: 1, pageSize: 10, total: 1 },
    });
    const counterPayloads = await http<{ items: Array<{ name: string; owner: string | null }> }>(
      'GET',
      '/payloads?bundleId=counter&pageSize=100',
    );
    expect(counterPayloads.body.items.find((p) => p.name === 'Increment')?.owner).toBe('abacus');
    expect(counterPayloads.body.items.find((p) => p.name === 'CreateCounter')?.owner).toBe('counter');

    // Ownership is exclusive both ways: the former owner's descriptor is refused now.
    await expect(
      registry.client.request(RegistryContracts.discover, { ...counter.session, descriptor: counterDescriptor() }),
    ).rejects.toMatchObject({
      code: ErrorCode.FORBIDDEN,
      details: { payloads: [{ payload: 'Increment', owner: 'abacus' }] },
    });
  });

  it("releases a removed bundle's payloads, to a bundle that still declares them or to the next that does", async () => {
    await intruder.stop();
    expect((await http('DELETE', '/bundles/abacus')).status).toBe(204);

    // Counter kept its Increment handler: it takes the payload back and gets the routes again.
    const detail = await http<PayloadDetail>('GET', '/payloads/Increment');
    expect(detail.body.owner).toMatchObject({ bundleId: 'counter', source: 'declared', transferId: null });
    expect(detail.body.transfers).toBe(1);
    expect(await routedTo('Increment')).toEqual([['counter', [counter.instanceId]]]);
    await gatewayRoutes('Increment', counter);
    expect(await increment()).toMatchObject({ bundleId: 'counter' });

    // Snoop was the removed bundle's alone: nobody owns it, and the next bundle to declare it takes it.
    expect(await owners(['Snoop'])).toEqual([]);
    const newcomer = await join(registry.client, helloFor('newcomer'));
    await registry.client.request(RegistryContracts.discover, { ...session(newcomer), descriptor: snoopDescriptor() });
    expect(await owners(['Snoop'])).toEqual([{ payload: 'Snoop', bundle_id: 'newcomer' }]);
  });
});
