import {
  type CommandResult,
  ErrorCode,
  EventStoreContracts,
  GatewayContracts,
  RegistryContracts,
  type SendCommandRequest,
} from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { randomUUID } from 'node:crypto';
import { useApps } from '../support/apps';
import {
  accountDescriptor,
  accountRules,
  counterDescriptor,
  counterRules,
  SimulatedBundle,
  type WorkHandler,
} from './simulated-bundle';

/** An HTTP answer: the result, or the error body. */
type Reply = Partial<CommandResult> & { code?: string; message?: string };

/**
 * Which aggregate a domain command is for: the payload says so where the descriptor declares
 * the property, and the caller can pin the version it saw (optimistic concurrency).
 */
describe('the aggregate a domain command runs on', () => {
  const store = useApps('event-store', { label: 'gw_agg_es' });
  const registry = useApps('registry', { label: 'gw_agg_rg' });
  const gateways = useApps('gateway', { label: 'gw_agg_gw', count: 2 });
  let accounts: SimulatedBundle;
  let counters: SimulatedBundle;
  /** Counter commands on aggregates named race-* let another writer append first, once per aggregate. */
  const raced = new Set<string>();

  const racing: WorkHandler = async (work) => {
    if (work.type === 'domain-command' && work.aggregateId.startsWith('race-') && !raced.has(work.aggregateId)) {
      raced.add(work.aggregateId);
      await store.client.request(EventStoreContracts.append, {
        aggregateId: work.aggregateId,
        expectedVersion: work.story.version,
        events: [{ eventId: randomUUID(), eventName: 'Incremented', payload: { value: 100 } }],
      });
    }
    return counterRules(work);
  };

  beforeAll(async () => {
    accounts = new SimulatedBundle(registry.nc, registry.client, 'accounts', accountDescriptor(), accountRules);
    counters = new SimulatedBundle(registry.nc, registry.client, 'counter', counterDescriptor(), racing);
    await accounts.start();
    await counters.start();
    await waitFor(
      async () => {
        for (const gateway of gateways.apps) {
          for (const payload of ['Deposit', 'Increment']) {
            const res = await fetch(`${gateway.url}/routing?payload=${payload}`);
            const table = (await res.json()) as { routes: Array<{ instances: string[] }> };
            if (table.routes[0]?.instances.length !== 1) return false;
          }
        }
        return true;
      },
      { what: 'both gateways routing to both bundles' },
    );
  });

  afterAll(async () => {
    await accounts.stop();
    await counters.stop();
  });

  const command = (body: SendCommandRequest, requestId?: string) =>
    gateways.client.request(GatewayContracts.command, body, { timeoutMs: 10_000, requestId });

  async function http(gateway: number, name: string, body: unknown): Promise<{ status: number; body: Reply }> {
    const res = await fetch(`${gateways.apps[gateway].url}/commands/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Reply };
  }

  const versionOf = async (aggregateId: string) =>
    (await store.client.request(EventStoreContracts.loadStory, { aggregateId })).version;

  async function openAccount(): Promise<string> {
    const id = `acc-${randomUUID()}`;
    await command({ command: 'OpenAccount', aggregateId: id, payload: { accountId: id } });
    return id;
  }

  describe('derived from the payload where the descriptor declares it', () => {
    it('carries aggregateIdProperty from the descriptor through the catalog to the routing table', async () => {
      const table = await registry.client.request(RegistryContracts.routingTable, { bundleId: 'accounts' });
      expect(table.routes.find((route) => route.payload === 'Deposit')).toMatchObject({
        aggregateIdProperty: 'accountId',
      });
      const counterTable = await registry.client.request(RegistryContracts.routingTable, { bundleId: 'counter' });
      expect(counterTable.routes.find((route) => route.payload === 'Increment')!.aggregateIdProperty).toBeNull();
    });

    it('runs a command without aggregateId on the aggregate its payload names', async () => {
      const id = await openAccount();
      const result = await command({ command: 'Deposit', payload: { accountId: id, amount: 5 } });
      expect(result.event).toMatchObject({ aggregateId: id, aggregateVersion: 2, payload: { accountId: id } });
      expect(await versionOf(id)).toBe(2);
      // Over HTTP too, and with a matching aggregateId.
      const viaHttp = await http(1, 'Deposit', { payload: { accountId: id, amount: 1 }, aggregateId: id });
      expect(viaHttp.status).toBe(200);
      expect(viaHttp.body).toMatchObject({ event: { aggregateId: id, aggregateVersion: 3 } });
    });

    it('refuses, over NATS and HTTP, a request whose aggregateId is not the one in its payload, and stores nothing', async () => {
      const one = await openAccount();
      const two = await openAccount();
      const seen = accounts.received.length;
      const error = await command({ command: 'Deposit', aggregateId: one, payload: { accountId: two, amount: 5 } })
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
      expect((error as Error).message).toContain(one);
      expect((error as Error).message).toContain(two);

      for (const gateway of [0, 1]) {
        const refused = await http(gateway, 'Deposit', { payload: { accountId: two, amount: 5 }, aggregateId: one });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
        expect(refused.body.message).toContain(one);
        expect(refused.body.message).toContain(two);
      }
      expect(accounts.received.length).toBe(seen);
      expect(await versionOf(one)).toBe(1);
      expect(await versionOf(two)).toBe(1);
    });

    it('refuses a command whose payload lacks its aggregate id property, or holds something else there', async () => {
      const id = await openAccount();
      for (const payload of [{ amount: 5 }, { accountId: 42, amount: 5 }, { accountId: 'has space', amount: 5 }]) {
        await expect(command({ command: 'Deposit', aggregateId: id, payload })).rejects.toMatchObject({
          code: ErrorCode.VALIDATION_FAILED,
          message: expect.stringContaining('accountId'),
        });
      }
      expect(await versionOf(id)).toBe(1);
    });

    it('still requires aggregateId for a domain command whose descriptor names no property', async () => {
      await expect(command({ command: 'Increment', payload: { by: 1 } })).rejects.toMatchObject({
        code: ErrorCode.VALIDATION_FAILED,
        message: expect.stringContaining('aggregateId'),
      });
    });
  });

  describe('expectedVersion', () => {
    it('runs the command only when the aggregate is at that version, else CONFLICT with the actual one', async () => {
      const id = await openAccount();
      const ok = await command({ command: 'Deposit', payload: { accountId: id, amount: 1 }, expectedVersion: 1 });
      expect(ok.event!.aggregateVersion).toBe(2);

      const seen = accounts.received.length;
      await expect(
        command({ command: 'Deposit', payload: { accountId: id, amount: 1 }, expectedVersion: 1 }),
      ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 2, expectedVersion: 1 } });
      // Refused before the bundle was asked.
      expect(accounts.received.length).toBe(seen);

      const viaHttp = await http(0, 'Deposit', { payload: { accountId: id, amount: 1 }, expectedVersion: 5 });
      expect(viaHttp.status).toBe(409);
      expect(viaHttp.body).toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 2 } });

      // 0: the aggregate must not exist yet.
      const fresh = `acc-${randomUUID()}`;
      const opened = await command({ command: 'OpenAccount', payload: { accountId: fresh }, expectedVersion: 0 });
      expect(opened.event!.aggregateVersion).toBe(1);
      await expect(
        command({ command: 'Deposit', payload: { accountId: fresh, amount: 1 }, expectedVersion: 0 }),
      ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 1 } });
      expect(await versionOf(id)).toBe(2);
    });

    it('does not retry after losing the race for the version it named: CONFLICT, the other writer wins', async () => {
      const id = `race-${randomUUID()}`;
      // Created without the race, then raced once on the next command.
      raced.add(id);
      await command({ command: 'CreateCounter', aggregateId: id, payload: {} });
      raced.delete(id);
      const before = counters.received.filter((r) => r.work.type === 'domain-command' && r.work.aggregateId === id);
      await expect(
        command({ command: 'Increment', aggregateId: id, payload: { by: 1 }, expectedVersion: 1 }),
      ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 2 } });
      const after = counters.received.filter((r) => r.work.type === 'domain-command' && r.work.aggregateId === id);
      expect(after.length - before.length).toBe(1);
      const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId: id });
      expect(story.events.map((e) => e.payload.value)).toEqual([0, 100]);

      // Without expectedVersion the gateway reloads and runs it again after such a race.
      const other = `race-${randomUUID()}`;
      raced.add(other);
      await command({ command: 'CreateCounter', aggregateId: other, payload: {} });
      raced.delete(other);
      const retried: CommandResult = await command({ command: 'Increment', aggregateId: other, payload: { by: 1 } });
      expect(retried.event).toMatchObject({ aggregateVersion: 3, payload: { value: 101 } });
    });

    it('answers a retry of a command that already ran with its event, whatever the version is now', async () => {
      const id = await openAccount();
      const requestId = randomUUID();
      const body = { command: 'Deposit', payload: { accountId: id, amount: 3 }, expectedVersion: 1 };
      const first = await command(body, requestId);
      await command({ command: 'Deposit', payload: { accountId: id, amount: 1 } });
      // Both gateways: one remembers it, the other finds it in the story.
      for (let i = 0; i < 2; i += 1) {
        const again = await command(body, requestId);
        expect(again).toMatchObject({ replayed: true, event: { position: first.event!.position } });
      }
    });

    it('refuses expectedVersion on a service command, and a negative or fractional one', async () => {
      await expect(command({ command: 'SendMail', payload: { to: 'x' }, expectedVersion: 1 })).rejects.toMatchObject({
        code: ErrorCode.VALIDATION_FAILED,
      });
      for (const expectedVersion of [-1, 1.5, 'any']) {
        const res = await gateways.nc.request(
          GatewayContracts.command.subject,
          JSON.stringify({ command: 'Deposit', payload: { accountId: 'a' }, expectedVersion }),
          { timeout: 5_000 },
        );
        expect(JSON.parse(res.string())).toMatchObject({ error: { code: ErrorCode.VALIDATION_FAILED } });
      }
    });
  });
});
