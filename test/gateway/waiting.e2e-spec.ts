import { ErrorCode, GatewayContracts, Headers } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { headers as natsHeadersOf } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { useApps } from '../support/apps';
import { counterDescriptor, counterRules, type Received, SimulatedBundle, type WorkHandler } from './simulated-bundle';

/** Waiters per aggregate or lock id this gateway keeps in line behind the one running. */
const QUEUE_LIMIT = 3;

/** Time in line for an aggregate or a lock id counts against the request's deadline, and the line is bounded. */
describe('requests waiting in the gateway', () => {
  const store = useApps('event-store', { label: 'gw_wait_es' });
  const registry = useApps('registry', { label: 'gw_wait_rg' });
  const gateway = useApps('gateway', { label: 'gw_wait_gw', env: { GATEWAY_MAX_QUEUED_PER_KEY: String(QUEUE_LIMIT) } });
  let bundle: SimulatedBundle;
  /** Work on aggregates or lock ids named hold-* waits until the test lets it go. */
  const held = new Map<string, Array<() => void>>();

  const holding: WorkHandler = async (work) => {
    const key =
      work.type === 'domain-command' ? work.aggregateId : work.type === 'service-command' ? work.lockId : null;
    if (key?.startsWith('hold-')) {
      await new Promise<void>((resolve) => held.set(key, [...(held.get(key) ?? []), resolve]));
    }
    if (work.type === 'service-command') return { data: { event: null } };
    return counterRules(work);
  };

  const release = (key: string) => {
    for (const resolve of held.get(key) ?? []) resolve();
    held.delete(key);
  };

  beforeAll(async () => {
    void store;
    bundle = new SimulatedBundle(registry.nc, registry.client, 'counter', counterDescriptor(), holding);
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
    for (const key of [...held.keys()]) release(key);
    await bundle.stop();
  });

  interface Sent {
    requestId: string;
    answer: Promise<{ body: Record<string, unknown>; at: number }>;
  }

  function send(body: Record<string, unknown>, deadline: number): Sent {
    const requestId = randomUUID();
    const h = natsHeadersOf();
    h.set(Headers.requestId, requestId);
    h.set(Headers.deadline, String(deadline));
    const answer = gateway.nc
      .request(GatewayContracts.command.subject, JSON.stringify(body), { timeout: 30_000, headers: h })
      .then((msg) => ({ body: JSON.parse(msg.string()) as Record<string, unknown>, at: Date.now() }));
    return { requestId, answer };
  }

  const runsOf = (requestId: string): Received[] => bundle.received.filter((r) => r.requestId === requestId);

  async function create(id: string): Promise<void> {
    await gateway.client.request(GatewayContracts.command, { command: 'CreateCounter', aggregateId: id, payload: {} });
  }

  it('a domain command waiting for its aggregate leaves the line at its deadline, and never runs later', async () => {
    const id = `hold-${randomUUID()}`;
    const created = send({ command: 'CreateCounter', aggregateId: id, payload: {} }, Date.now() + 20_000);
    await waitFor(() => held.has(id), { what: 'the first command to hold the aggregate' });

    const deadline = Date.now() + 500;
    const waiter = send({ command: 'Increment', aggregateId: id, payload: { by: 1 } }, deadline);
    const answered = await waiter.answer;
    expect(answered.body).toMatchObject({ error: { code: ErrorCode.DEADLINE_EXCEEDED } });
    // At its deadline, not when the holder lets go (it holds until released, 20 s away); the
    // bound leaves room for a busy machine to deliver the answer late.
    expect(answered.at - deadline).toBeLessThan(1_000);
    expect(answered.at - deadline).toBeGreaterThan(-50);

    // A request behind it with time left still runs once the holder is done.
    const patient = send({ command: 'Increment', aggregateId: id, payload: { by: 2 } }, Date.now() + 20_000);
    release(id);
    expect((await created.answer).body).toMatchObject({ data: { event: { aggregateVersion: 1 } } });
    await waitFor(() => held.has(id), { what: 'the patient command to reach the bundle' });
    release(id);
    expect((await patient.answer).body).toMatchObject({ data: { event: { aggregateVersion: 2 } } });
    expect(runsOf(waiter.requestId)).toHaveLength(0);
  });

  it('a service command waiting for its lock id leaves the line at its deadline, and never runs later', async () => {
    const lockId = `hold-${randomUUID()}`;
    const holder = send({ command: 'SendMail', payload: { to: 'a' }, lockId }, Date.now() + 20_000);
    await waitFor(() => held.has(lockId), { what: 'the first command to hold the lock' });
    const deadline = Date.now() + 500;
    const waiter = send({ command: 'SendMail', payload: { to: 'b' }, lockId }, deadline);
    const answered = await waiter.answer;
    expect(answered.body).toMatchObject({ error: { code: ErrorCode.DEADLINE_EXCEEDED } });
    expect(answered.at - deadline).toBeLessThan(1_000);
    release(lockId);
    expect((await holder.answer).body).toMatchObject({ data: { kind: 'service-command' } });
    // The lock is free again: a later command with the same id gets it.
    const later = send({ command: 'SendMail', payload: { to: 'c' }, lockId }, Date.now() + 5_000);
    await waitFor(() => held.has(lockId), { what: 'the later command to hold the lock' });
    release(lockId);
    expect((await later.answer).body).toMatchObject({ data: { kind: 'service-command' } });
    expect(runsOf(waiter.requestId)).toHaveLength(0);
  });

  it(`keeps at most ${QUEUE_LIMIT} waiters per aggregate and per lock id, refusing more with OVERLOADED`, async () => {
    const id = `hold-${randomUUID()}`;
    const lockId = `hold-${randomUUID()}`;
    const holders = [
      send({ command: 'CreateCounter', aggregateId: id, payload: {} }, Date.now() + 20_000),
      send({ command: 'SendMail', payload: { to: 'a' }, lockId }, Date.now() + 20_000),
    ];
    await waitFor(() => held.has(id) && held.has(lockId), { what: 'both keys held' });
    const waiting = [
      ...Array.from({ length: QUEUE_LIMIT }, () =>
        send({ command: 'Increment', aggregateId: id, payload: { by: 1 } }, Date.now() + 20_000),
      ),
      ...Array.from({ length: QUEUE_LIMIT }, () =>
        send({ command: 'SendMail', payload: { to: 'b' }, lockId }, Date.now() + 20_000),
      ),
    ];
    // Different keys are not affected.
    const other = `other-${randomUUID()}`;
    await create(other);
    for (const body of [
      { command: 'Increment', aggregateId: id, payload: { by: 1 } },
      { command: 'SendMail', payload: { to: 'c' }, lockId },
    ]) {
      const refused = await send(body, Date.now() + 20_000).answer;
      expect(refused.body).toMatchObject({
        error: { code: ErrorCode.OVERLOADED, details: { limit: QUEUE_LIMIT, retryable: true } },
      });
    }
    // Over HTTP: 503.
    const res = await fetch(`${gateway.apps[0].url}/commands/Increment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ aggregateId: id, payload: { by: 1 } }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: ErrorCode.OVERLOADED });

    // Once the line moves, everyone in it is served.
    const releaser = setInterval(() => {
      release(id);
      release(lockId);
    }, 20);
    try {
      for (const sent of [...holders, ...waiting]) expect((await sent.answer).body).toHaveProperty('data');
    } finally {
      clearInterval(releaser);
    }
  });
});
