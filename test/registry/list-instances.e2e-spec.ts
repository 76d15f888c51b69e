import { ErrorCode, EventoError, RegistryContracts } from '@evento/contracts';
import { useApps } from '../support/apps';
import { helloFor, join, session } from './support';

/** The scaler's view of the cluster: every live instance of a bundle with its status. */
describe('registry instances list', () => {
  const suite = useApps('registry', { label: 'registry_list' });

  it('lists live instances of every status, gone ones only when asked', async () => {
    const joined = await join(suite.client, helloFor('listed'));
    const enabled = await join(suite.client, helloFor('listed'));
    const left = await join(suite.client, helloFor('listed'));
    const other = await join(suite.client, helloFor('unlisted'));
    await suite.client.request(RegistryContracts.enable, session(enabled));
    await suite.client.request(RegistryContracts.goodbye, session(left));

    const live = await suite.client.request(RegistryContracts.listInstances, { bundleId: 'listed' });
    expect(live.truncated).toBe(false);
    const statuses = Object.fromEntries(live.instances.map((i) => [i.instanceId, i.status]));
    expect(statuses).toEqual({ [joined.instanceId]: 'joined', [enabled.instanceId]: 'available' });
    expect(live.instances[0]).toEqual(
      expect.objectContaining({
        bundleId: 'listed',
        bundleVersion: '1.0.0',
        host: 'test-host',
        joinedAt: expect.any(String),
        leaseExpiresAt: expect.any(String),
        leftAt: null,
      }),
    );

    const all = await suite.client.request(RegistryContracts.listInstances, { includeGone: true });
    const ids = all.instances.map((i) => i.instanceId);
    expect(ids).toEqual(expect.arrayContaining([left.instanceId, other.instanceId]));
    expect(all.instances.find((i) => i.instanceId === left.instanceId)).toEqual(
      expect.objectContaining({ status: 'gone', leftReason: 'goodbye' }),
    );
  });

  it('refuses a bundle id that is not one', async () => {
    const error = await suite.client
      .request(RegistryContracts.listInstances, { bundleId: 'not a bundle' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventoError);
    expect((error as EventoError).code).toBe(ErrorCode.VALIDATION_FAILED);
  });
});
