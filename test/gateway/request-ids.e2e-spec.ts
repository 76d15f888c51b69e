import { type CommandResult, ErrorCode, EventStoreContracts, GatewayContracts, Headers } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppProcess, ensureBuilt } from '../support/app-process';
import { startApp, useApps, type RunningApp } from '../support/apps';
import {
  accountDescriptor,
  accountRules,
  counterDescriptor,
  counterRules,
  type Received,
  SimulatedBundle,
  type WorkHandler,
} from './simulated-bundle';

jest.setTimeout(90_000);

beforeAll(async () => {
  await ensureBuilt('gateway');
}, 180_000);

interface Answer {
  status: number;
  /** The result, or the error body. */
  body: CommandResult & { code?: string; message?: string };
}

async function post(url: string, name: string, body: unknown, requestId: string): Promise<Answer> {
  const res = await fetch(`${url}/commands/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [Headers.requestId]: requestId },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** A request id names one request: across gateways it is answered once, and never reused for another. */
describe('request ids across gateways', () => {
  const store = useApps('event-store', { label: 'gw_rid_es' });
  const registry = useApps('registry', { label: 'gw_rid_rg' });
  const gateways = useApps('gateway', { label: 'gw_rid_gw', count: 2 });
  const bundles: SimulatedBundle[] = [];
  /** Service commands whose `to` starts with slow- take a moment; hold- ones wait to be released, once. */
  const held = new Map<string, () => void>();
  const released = new Set<string>();
  const release = (to: string) => {
    released.add(to);
    held.get(to)?.();
  };

  const mailer: WorkHandler = async (work) => {
    if (work.type !== 'service-command') return counterRules(work);
    const to = work.payload.to as string;
    if (to.startsWith('slow-')) await new Promise((resolve) => setTimeout(resolve, 800));
    if (to.startsWith('hold-') && !released.has(to)) await new Promise<void>((resolve) => held.set(to, resolve));
    return { data: { event: to.startsWith('none-') ? null : { eventName: 'MailSent', payload: { to } } } };
  };

  beforeAll(async () => {
    const accounts = new SimulatedBundle(registry.nc, registry.client, 'accounts', accountDescriptor(), accountRules);
    const counters = new SimulatedBundle(registry.nc, registry.client, 'counter', counterDescriptor(), mailer);
    await accounts.start();
    await counters.start();
    bundles.push(accounts, counters);
    await routed(gateways.apps);
  });

  afterAll(async () => {
    for (const to of held.keys()) release(to);
    await Promise.all(bundles.map((bundle) => bundle.stop()));
  });

  async function routed(apps: RunningApp[]): Promise<void> {
    await waitFor(
      async () => {
        for (const gateway of apps) {
          for (const payload of ['Deposit', 'SendMail']) {
            const res = await fetch(`${gateway.url}/routing?payload=${payload}`);
            const table = (await res.json()) as { routes: Array<{ instances: string[] }> };
            if (table.routes[0]?.instances.length !== 1) return false;
          }
        }
        return true;
      },
      { what: 'gateways routing to both bundles' },
    );
  }

  const mailer$ = () => bundles[1];
  const runsOf = (requestId: string): Received[] => mailer$().received.filter((r) => r.requestId === requestId);
  const urls = () => gateways.apps.map((app) => app.url);

  describe('a request id reused for another request', () => {
    it('is CONFLICT for a domain command, on the same gateway and on another, and stores nothing', async () => {
      const id = `acc-${randomUUID()}`;
      const other = `acc-${randomUUID()}`;
      for (const accountId of [id, other]) {
        await gateways.client.request(GatewayContracts.command, { command: 'OpenAccount', payload: { accountId } });
      }
      const requestId = randomUUID();
      const first = await post(urls()[0], 'Deposit', { payload: { accountId: id, amount: 5 } }, requestId);
      expect(first.status).toBe(200);

      const attempts = [
        [0, { payload: { accountId: id, amount: 6 } }],
        [1, { payload: { accountId: id, amount: 6 } }],
        [1, { payload: { accountId: other, amount: 5 } }],
        [0, { payload: { accountId: other, amount: 5 } }],
      ] as const;
      for (const [gateway, body] of attempts) {
        const reused = await post(urls()[gateway], 'Deposit', body, requestId);
        expect(reused.status).toBe(409);
        expect(reused.body).toMatchObject({ code: ErrorCode.CONFLICT });
        expect(reused.body.message).toContain(requestId);
        expect(reused.body.message).toMatch(/another request/);
      }
      // Another command name is another request too.
      const renamed = await post(urls()[1], 'OpenAccount', { payload: { accountId: id } }, requestId);
      expect(renamed.status).toBe(409);

      // The same request again is still answered with its event, on both gateways.
      for (const url of urls()) {
        const again = await post(url, 'Deposit', { payload: { accountId: id, amount: 5 } }, requestId);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ replayed: true, event: { position: first.body.event!.position } });
      }
      for (const [accountId, version] of [
        [id, 2],
        [other, 1],
      ] as const) {
        const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId: accountId });
        expect(story.version).toBe(version);
      }
    });

    it('is CONFLICT for a service command, on the same gateway and on another', async () => {
      const requestId = randomUUID();
      const first = await post(urls()[0], 'SendMail', { payload: { to: 'ann' } }, requestId);
      expect(first.status).toBe(200);
      for (const url of urls()) {
        const reused = await post(url, 'SendMail', { payload: { to: 'bob' } }, requestId);
        expect(reused.status).toBe(409);
        expect(reused.body.message).toContain(requestId);
      }
      expect(runsOf(requestId)).toHaveLength(1);
    });
  });

  describe('service commands', () => {
    it('run once when retried on another gateway after the first answered', async () => {
      const requestId = randomUUID();
      const first = await post(urls()[0], 'SendMail', { payload: { to: 'carol' } }, requestId);
      const second = await post(urls()[1], 'SendMail', { payload: { to: 'carol' } }, requestId);
      expect(first).toMatchObject({ status: 200, body: { replayed: false } });
      expect(second).toMatchObject({
        status: 200,
        body: { replayed: true, event: { position: first.body.event!.position }, instanceId: first.body.instanceId },
      });
      expect(runsOf(requestId)).toHaveLength(1);

      // One that stored no event is answered from the record as well.
      const noEvent = randomUUID();
      await post(urls()[0], 'SendMail', { payload: { to: 'none-1' } }, noEvent);
      expect(await post(urls()[1], 'SendMail', { payload: { to: 'none-1' } }, noEvent)).toMatchObject({
        status: 200,
        body: { replayed: true, event: null },
      });
      expect(runsOf(noEvent)).toHaveLength(1);
    });

    it('run once when a retry reaches another gateway while the first is running: it waits for the answer', async () => {
      const requestId = randomUUID();
      const body = { payload: { to: `slow-${requestId}` } };
      const first = post(urls()[0], 'SendMail', body, requestId);
      await waitFor(() => runsOf(requestId).length === 1, { what: 'the first run to reach the bundle' });
      const second = await post(urls()[1], 'SendMail', body, requestId);
      expect(second).toMatchObject({ status: 200, body: { replayed: true } });
      expect((await first).body.event!.position).toBe(second.body.event!.position);
      expect(runsOf(requestId)).toHaveLength(1);
    });

    it('answer DEADLINE_EXCEEDED on time when the first run outlasts the retry deadline', async () => {
      const requestId = randomUUID();
      const to = `hold-${requestId}`;
      const first = post(urls()[0], 'SendMail', { payload: { to } }, requestId);
      await waitFor(() => held.has(to), { what: 'the first run to be held' });
      const started = Date.now();
      const res = await fetch(`${urls()[1]}/commands/SendMail`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [Headers.requestId]: requestId,
          [Headers.deadline]: String(started + 400),
        },
        body: JSON.stringify({ payload: { to } }),
      });
      expect(res.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(1_000);
      release(to);
      expect((await first).status).toBe(200);
      expect(runsOf(requestId)).toHaveLength(1);
    });
  });

  describe('when the gateway running a service command dies', () => {
    it('lets a retry on another gateway run it once the dead gateway lease ran out, and cleans expired records', async () => {
      const lonely = new AppProcess('gateway', {
        DATABASE_URL: gateways.url,
        INSTANCE_ID: 'gateway-doomed',
        GATEWAY_DEDUP_LEASE_MS: '1000',
        GATEWAY_DEDUP_TTL_MS: '1000',
      });
      // Only the doomed gateway may take the first request: stop the others from listening.
      const parked = gateways.apps.splice(0);
      await Promise.all(parked.map((app) => app.app.close()));
      try {
        await lonely.ready(gateways.client, 'gateway-doomed');
        const requestId = randomUUID();
        const to = `hold-${requestId}`;
        // Its caller never hears back: the gateway that had the request is gone.
        gateways.client
          .request(GatewayContracts.command, { command: 'SendMail', payload: { to } }, { requestId, timeoutMs: 20_000 })
          .catch(() => undefined);
        await waitFor(() => held.has(to), { what: 'the doomed gateway to hand the command to the bundle' });
        await lonely.kill();

        const survivor = await startApp('gateway', { DATABASE_URL: gateways.url, GATEWAY_DEDUP_TTL_MS: '1000' });
        gateways.apps.push(survivor);
        await routed([survivor]);
        release(to);
        const started = Date.now();
        // The dead gateway's record says running; its lease runs out, and the retry runs it.
        const again: CommandResult = await gateways.client.request(
          GatewayContracts.command,
          { command: 'SendMail', payload: { to } },
          { requestId, timeoutMs: 10_000 },
        );
        expect(again).toMatchObject({ replayed: false, event: { eventName: 'MailSent', payload: { to } } });
        expect(Date.now() - started).toBeLessThan(8_000);
        expect(runsOf(requestId)).toHaveLength(2);

        // Records outlive their TTL only until the next sweep.
        const db = new Client({ connectionString: gateways.url });
        await db.connect();
        try {
          await waitFor(
            async () => {
              const rows = await db.query(
                'SELECT count(*)::int AS n FROM "gateway"."service_requests" WHERE "request_id" = $1',
                [requestId],
              );
              return (rows.rows[0] as { n: number }).n === 0;
            },
            { what: 'expired service request records to be swept', timeoutMs: 15_000 },
          );
        } finally {
          await db.end();
        }
      } finally {
        await lonely.kill();
        // Give the block's teardown two gateways again.
        while (gateways.apps.length < 2) {
          gateways.apps.push(await startApp('gateway', { DATABASE_URL: gateways.url }));
        }
      }
    });
  });
});
