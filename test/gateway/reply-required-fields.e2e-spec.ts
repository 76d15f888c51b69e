import { ErrorCode, EventStoreContracts, GatewayContracts } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { randomUUID } from 'node:crypto';
import { useApps } from '../support/apps';
import { counterDescriptor, type Reply, SimulatedBundle } from './simulated-bundle';

const REGISTRY_ENV = { HEARTBEAT_INTERVAL_MS: '200', INSTANCE_LEASE_MS: '1500', LEASE_SWEEP_MS: '200' };

/*
 * A bundle's answer is input like any other: an answer to a domain command that leaves out
 * the event (or a required field of it) is refused as InvalidReply naming the field, and
 * nothing is stored; it never reaches the code that reads the event.
 */
describe('the gateway refuses a bundle reply without a required field', () => {
  const store = useApps('event-store', { label: 'gw_reply_es' });
  const registry = useApps('registry', { label: 'gw_reply_rg', env: REGISTRY_ENV });
  const gateways = useApps('gateway', { label: 'gw_reply_gw' });
  let bundle: SimulatedBundle;
  let answer: Reply = { data: {} };

  beforeAll(async () => {
    bundle = new SimulatedBundle(registry.nc, registry.client, 'replies', counterDescriptor(), () => answer);
    await bundle.start();
    await waitFor(
      async () => {
        const table = (await (await fetch(`${gateways.apps[0].url}/routing?payload=Increment`)).json()) as {
          routes: Array<{ instances: string[] }>;
        };
        return table.routes[0]?.instances.includes(bundle.instanceId) ?? false;
      },
      { what: 'the gateway routing to the bundle', timeoutMs: 10_000 },
    );
  });

  afterAll(() => bundle?.stop());

  const cases: Array<[string, unknown]> = [
    ['event', {}],
    ['event.eventName', { event: { payload: { value: 1 } } }],
    ['event.payload', { event: { eventName: 'CounterCreated' } }],
  ];

  it.each(cases)('a domain-command answer without %s', async (field, data) => {
    answer = { data };
    const aggregateId = `counter-${randomUUID()}`;
    const refused = await gateways.client
      .request(GatewayContracts.command, { command: 'CreateCounter', aggregateId, payload: {} }, { timeoutMs: 10_000 })
      .then(
        () => ({ code: 'ACCEPTED', details: {} }),
        (error: { code: string; details: unknown }) => error,
      );
    expect(refused).toMatchObject({
      code: ErrorCode.HANDLER_FAILED,
      details: {
        errorName: 'InvalidReply',
        problems: expect.arrayContaining([expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}: `))]),
      },
    });
    const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId });
    expect(story.version).toBe(0);
  });
});
