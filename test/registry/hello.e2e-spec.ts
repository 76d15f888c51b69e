import { type ConfigurationMessage, ErrorCode, RegistryContracts } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import {
  connectTestNats,
  dropDatabase,
  freshDatabaseUrl,
  queryDatabase,
  TEST_NATS_URL,
  TEST_SUBJECT_PREFIX,
  waitFor,
} from '@evento/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type RunningApp, startApp } from '../support/apps';
import { helloFor, join, session } from './support';

const SHARED = 'shared-token-0123456789';
const BILLING = 'billing-token-0123456789';

describe('registry hello, heartbeats and leases', () => {
  let nc: NatsConnection;
  let client: ContractClient;
  let running: RunningApp;
  const url = freshDatabaseUrl('registry_hello');

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    running = await startApp('registry', {
      DATABASE_URL: url,
      BUNDLE_TOKEN: SHARED,
      BUNDLE_TOKENS: `billing=${BILLING}`,
      HEARTBEAT_INTERVAL_MS: '200',
      INSTANCE_LEASE_MS: '1000',
      LEASE_SWEEP_MS: '100',
    });
  });

  afterAll(async () => {
    await running?.app.close();
    await nc?.drain();
    await dropDatabase(url);
  });

  it('welcomes an instance with its heartbeat interval, lease and own subjects', async () => {
    const hello = helloFor('todo', { token: SHARED, location: { host: 'h1', pid: 42, pod: 'todo-0', node: 'n1' } });
    const welcome = await join(client, hello);
    expect(welcome).toMatchObject({
      bundleId: 'todo',
      instanceId: hello.instanceId,
      protocolVersion: 1,
      heartbeatIntervalMs: 200,
      leaseMs: 1000,
      registryInstanceId: running.config.INSTANCE_ID,
      // The subjects as they are on NATS: with the suite's NATS_SUBJECT_PREFIX in front.
      subjects: {
        requests: `${TEST_SUBJECT_PREFIX}.evento.v1.bundle.todo.${hello.instanceId}.requests`,
        control: `${TEST_SUBJECT_PREFIX}.evento.v1.bundle.todo.${hello.instanceId}.control`,
      },
    });
    const rows = await queryDatabase(url, 'SELECT * FROM registry.instances WHERE instance_id = $1', [
      hello.instanceId,
    ]);
    expect(rows).toMatchObject([
      {
        bundle_id: 'todo',
        status: 'joined',
        host: 'h1',
        pid: 42,
        pod: 'todo-0',
        node: 'n1',
        session_id: welcome.sessionId,
      },
    ]);
  });

  it("sends to the subjects the welcome names: a plain client subscribed there gets the bundle's messages", async () => {
    // No test helper adding the prefix: the instance subscribes exactly where the welcome says.
    const plain = await connect({ servers: TEST_NATS_URL });
    try {
      const welcome = await join(client, helloFor('plain', { token: SHARED }));
      const received: ConfigurationMessage[] = [];
      plain.subscribe(welcome.subjects.control, {
        callback: (_error, msg) => {
          received.push(msg.json());
        },
      });
      await plain.flush();
      const response = await fetch(`${running.url}/bundles/plain/configuration/MODE`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: 'fast' }),
      });
      expect(await response.json()).toMatchObject({ deliveredTo: [welcome.instanceId] });
      await waitFor(() => received.length === 1, { what: 'the configuration on the welcome control subject' });
      expect(received[0]).toMatchObject({ type: 'configuration', bundleId: 'plain', values: { MODE: 'fast' } });
    } finally {
      await plain.close();
    }
  });

  it('rejects an unsupported protocol version and bad credentials, storing nothing', async () => {
    await expect(join(client, helloFor('todo', { token: SHARED, protocolVersion: 2 }))).rejects.toMatchObject({
      code: ErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
      details: { supported: [1] },
    });
    await expect(join(client, helloFor('todo', { token: 'wrong-token-0123456789' }))).rejects.toMatchObject({
      code: ErrorCode.UNAUTHORIZED,
    });
    await expect(join(client, helloFor('todo'))).rejects.toMatchObject({ code: ErrorCode.UNAUTHORIZED });
    // billing has its own token: the shared one does not open it, its own does.
    await expect(join(client, helloFor('billing', { token: SHARED }))).rejects.toMatchObject({
      code: ErrorCode.UNAUTHORIZED,
    });
    const bad = await queryDatabase(url, `SELECT * FROM registry.bundles WHERE bundle_id = 'billing'`);
    expect(bad).toEqual([]);
    await expect(join(client, helloFor('billing', { token: BILLING }))).resolves.toMatchObject({ bundleId: 'billing' });
  });

  it('answers malformed and invalid hellos with a typed error', async () => {
    const reply = await nc.request(RegistryContracts.hello.subject, 'not json', { timeout: 2000 });
    expect(JSON.parse(reply.string())).toMatchObject({ error: { code: ErrorCode.MALFORMED_MESSAGE } });
    await expect(join(client, helloFor('bad.bundle', { token: SHARED }))).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    await expect(
      join(client, { ...helloFor('todo', { token: SHARED }), location: { host: '', pid: -1 } }),
    ).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
  });

  it('lets a reconnect with the same instance id supersede the old session', async () => {
    const hello = helloFor('todo', { token: SHARED });
    const first = await join(client, hello);
    await client.request(RegistryContracts.enable, session(first));
    const second = await join(client, hello);
    expect(second.sessionId).not.toBe(first.sessionId);

    expect(await client.request(RegistryContracts.heartbeat, session(first))).toMatchObject({
      status: 'hello-again',
      reason: 'superseded',
    });
    await expect(client.request(RegistryContracts.enable, session(first))).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      details: { reason: 'superseded' },
    });
    // The new session starts over: joined, not available until it enables.
    expect(await client.request(RegistryContracts.heartbeat, session(second))).toMatchObject({
      status: 'ok',
      instanceStatus: 'joined',
    });
    const rows = await queryDatabase(url, 'SELECT count(*)::int AS n FROM registry.instances WHERE instance_id = $1', [
      hello.instanceId,
    ]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('keeps an instance that beats and drops one that goes silent within the lease', async () => {
    const beating = await join(client, helloFor('todo', { token: SHARED }));
    const silent = await join(client, helloFor('todo', { token: SHARED }));
    await client.request(RegistryContracts.enable, session(beating));
    await client.request(RegistryContracts.enable, session(silent));

    const silentSince = Date.now();
    const statusOf = async (instanceId: string) =>
      (
        await queryDatabase<{ status: string }>(url, 'SELECT status FROM registry.instances WHERE instance_id = $1', [
          instanceId,
        ])
      )[0].status;
    // Beat for three lease periods.
    for (let i = 0; i < 15; i += 1) {
      expect(await client.request(RegistryContracts.heartbeat, session(beating))).toMatchObject({ status: 'ok' });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await statusOf(beating.instanceId)).toBe('available');
    expect(await statusOf(silent.instanceId)).toBe('gone');
    const goneAt = await queryDatabase<{ left_at: Date; left_reason: string }>(
      url,
      'SELECT left_at, left_reason FROM registry.instances WHERE instance_id = $1',
      [silent.instanceId],
    );
    expect(goneAt[0].left_reason).toBe('lease-expired');
    // Lease 1000 ms plus one sweep period, with room for a slow machine.
    expect(goneAt[0].left_at.getTime() - silentSince).toBeLessThan(2_500);

    expect(await client.request(RegistryContracts.heartbeat, session(silent))).toMatchObject({
      status: 'hello-again',
      reason: 'gone',
    });
  });

  it('removes an instance at once on goodbye', async () => {
    const welcome = await join(client, helloFor('todo', { token: SHARED }));
    expect(await client.request(RegistryContracts.goodbye, session(welcome))).toEqual({
      instanceId: welcome.instanceId,
      status: 'gone',
    });
    await waitFor(async () => {
      const rows = await queryDatabase<{ status: string; left_reason: string }>(
        url,
        'SELECT status, left_reason FROM registry.instances WHERE instance_id = $1',
        [welcome.instanceId],
      );
      return rows[0].status === 'gone' && rows[0].left_reason === 'goodbye';
    });
  });
});
