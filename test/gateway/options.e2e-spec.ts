import { ErrorCode, EventStoreContracts, GatewayContracts, Headers } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { useApps } from '../support/apps';
import { counterDescriptor, counterRules, SimulatedBundle, type WorkHandler } from './simulated-bundle';

const TOKEN = 'counter-bundle-token-0123456789';

/** A gateway with bundle tokens, schema validation on and no retry after a version conflict. */
describe('a gateway with tokens, schema validation and no conflict retries', () => {
  const store = useApps('event-store', { label: 'gw_opt_es' });
  const registry = useApps('registry', { label: 'gw_opt_rg' });
  const gateway = useApps('gateway', {
    label: 'gw_opt_gw',
    env: { BUNDLE_TOKEN: TOKEN, GATEWAY_VALIDATE_PAYLOADS: 'true', GATEWAY_CONFLICT_RETRIES: '0' },
  });
  let bundle: SimulatedBundle;

  /** Before it decides, the bundle lets another writer append to aggregates named race-*. */
  const racing: WorkHandler = async (work) => {
    if (work.type === 'domain-command' && work.aggregateId.startsWith('race-') && work.command === 'Increment') {
      await store.client.request(EventStoreContracts.append, {
        aggregateId: work.aggregateId,
        expectedVersion: work.story.version,
        events: [{ eventId: randomUUID(), eventName: 'Incremented', payload: { value: -1 } }],
      });
    }
    return counterRules(work);
  };

  beforeAll(async () => {
    bundle = new SimulatedBundle(registry.nc, registry.client, 'counter', counterDescriptor(), racing);
    await bundle.start();
    await waitFor(
      async () => {
        const res = await fetch(`${gateway.apps[0].url}/routing?payload=Increment`);
        const table = (await res.json()) as { routes: Array<{ instances: string[] }> };
        return table.routes[0]?.instances.length === 1;
      },
      { what: 'the gateway to route to the bundle' },
    );
  });

  afterAll(async () => {
    await bundle.stop();
  });

  function signed(token = TOKEN, bundleId = 'counter'): MsgHdrs {
    const h = natsHeaders();
    h.set(Headers.bundleId, bundleId);
    h.set(Headers.token, token);
    return h;
  }

  async function send(subject: string, body: unknown, headers?: MsgHdrs): Promise<Record<string, unknown>> {
    const reply = await gateway.nc.request(subject, JSON.stringify(body), { timeout: 10_000, headers });
    return JSON.parse(reply.string()) as Record<string, unknown>;
  }

  it('UNAUTHORIZED without the bundle token, or with a wrong one; served with it', async () => {
    const create = { command: 'CreateCounter', aggregateId: `c-${randomUUID()}`, payload: {} };
    expect(await send(GatewayContracts.command.subject, create)).toMatchObject({
      error: { code: ErrorCode.UNAUTHORIZED },
    });
    expect(await send(GatewayContracts.command.subject, create, signed('wrong-token-0123456789abc'))).toMatchObject({
      error: { code: ErrorCode.UNAUTHORIZED },
    });
    expect(await send(GatewayContracts.query.subject, { query: 'FindCounter', payload: {} })).toMatchObject({
      error: { code: ErrorCode.UNAUTHORIZED },
    });
    expect(await send(GatewayContracts.command.subject, create, signed())).toMatchObject({
      data: { event: { aggregateVersion: 1 } },
    });
  });

  it('SCHEMA_VALIDATION_FAILED for bodies that break the registered JSON Schema, before the bundle sees them', async () => {
    const seen = bundle.received.length;
    const missing = await send(
      GatewayContracts.command.subject,
      { command: 'Increment', aggregateId: 'c-1', payload: {} },
      signed(),
    );
    expect(missing).toMatchObject({
      error: {
        code: ErrorCode.SCHEMA_VALIDATION_FAILED,
        details: { payload: 'Increment', errors: [expect.any(Object)] },
      },
    });
    const extra = await send(
      GatewayContracts.command.subject,
      { command: 'CreateCounter', aggregateId: 'c-2', payload: { start: 1, colour: 'red' } },
      signed(),
    );
    expect(extra).toMatchObject({ error: { code: ErrorCode.SCHEMA_VALIDATION_FAILED } });
    const announcement = await send(
      GatewayContracts.publish.subject,
      { eventName: 'Announcement', payload: { txt: 'typo' } },
      signed(),
    );
    expect(announcement).toMatchObject({ error: { code: ErrorCode.SCHEMA_VALIDATION_FAILED } });
    const undeclared = await send(GatewayContracts.publish.subject, { eventName: 'Unknown', payload: {} }, signed());
    expect(undeclared).toMatchObject({ error: { code: ErrorCode.SCHEMA_VALIDATION_FAILED } });
    expect(bundle.received.length).toBe(seen);
  });

  it('CONFLICT when another writer got to the aggregate first and no retry is allowed', async () => {
    const id = `race-${randomUUID()}`;
    expect(
      await send(
        GatewayContracts.command.subject,
        { command: 'CreateCounter', aggregateId: id, payload: {} },
        signed(),
      ),
    ).toMatchObject({ data: { event: { aggregateVersion: 1 } } });
    const reply = await send(
      GatewayContracts.command.subject,
      { command: 'Increment', aggregateId: id, payload: { by: 1 } },
      signed(),
    );
    expect(reply).toMatchObject({ error: { code: ErrorCode.CONFLICT, details: { actualVersion: 2 } } });
    // Only the other writer's event was stored.
    const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId: id });
    expect(story.events.map((e) => e.payload.value)).toEqual([0, -1]);
  });
});
