import { ErrorCode, EventStoreContracts } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { dropDatabase, freshDatabaseUrl, connectTestNats } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type RunningApp, startApp } from '../support/apps';

describe.each(['CPES', 'APES'])('event store basics in %s mode', (mode) => {
  let nc: NatsConnection;
  let client: ContractClient;
  let running: RunningApp;
  const url = freshDatabaseUrl('es_smoke');

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    running = await startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: mode });
  });

  afterAll(async () => {
    await running.app.close();
    await nc.drain();
    await dropDatabase(url);
  });

  it('appends, reads back, conflicts, dedups, snapshots, deletes', async () => {
    const first = await client.request(EventStoreContracts.append, {
      aggregateId: 'list-1',
      expectedVersion: 'none',
      events: [
        { eventId: 'e1', eventName: 'ListCreated', payload: { name: 'groceries' } },
        { eventId: 'e2', eventName: 'ItemAdded', payload: { item: 'milk' } },
      ],
    });
    expect(first).toMatchObject({ version: 2, duplicate: false });
    expect(first.positions).toHaveLength(2);

    const again = await client.request(EventStoreContracts.append, {
      aggregateId: 'list-1',
      expectedVersion: 'none',
      events: [
        { eventId: 'e1', eventName: 'ListCreated', payload: { name: 'groceries' } },
        { eventId: 'e2', eventName: 'ItemAdded', payload: { item: 'milk' } },
      ],
    });
    expect(again).toEqual({ ...first, duplicate: true });

    await expect(
      client.request(EventStoreContracts.append, {
        aggregateId: 'list-1',
        expectedVersion: 1,
        events: [{ eventId: 'e3', eventName: 'ItemAdded', payload: {} }],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 2 } });

    // waitMs: in APES an event is readable once older transactions on the server have ended.
    const fetched = await client.request(
      EventStoreContracts.fetch,
      { after: '', waitMs: 5_000 },
      { timeoutMs: 10_000 },
    );
    expect(fetched.events.map((e) => e.eventId)).toEqual(['e1', 'e2']);
    expect(fetched.cursor).toBe(first.cursor);

    const head = await client.request(EventStoreContracts.head, {});
    expect(head.cursor).toBe(first.cursor);

    const waited = client.request(
      EventStoreContracts.fetch,
      { after: fetched.cursor, waitMs: 10_000 },
      { timeoutMs: 15_000 },
    );
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.request(EventStoreContracts.append, { events: [{ eventId: 's1', eventName: 'Ping', payload: {} }] });
    const woke = await waited;
    expect(woke.events.map((e) => e.eventId)).toEqual(['s1']);
    expect(Date.now() - started).toBeLessThan(5_000);

    expect(
      await client.request(EventStoreContracts.saveSnapshot, { aggregateId: 'list-1', version: 2, state: { n: 2 } }),
    ).toEqual({
      stored: true,
      version: 2,
    });
    expect(
      await client.request(EventStoreContracts.saveSnapshot, { aggregateId: 'list-1', version: 1, state: { n: 1 } }),
    ).toEqual({
      stored: false,
      version: 2,
    });
    const story = await client.request(EventStoreContracts.loadStory, { aggregateId: 'list-1' });
    expect(story).toMatchObject({ version: 2, snapshot: { version: 2, state: { n: 2 } }, events: [], deleted: false });

    const deleted = await client.request(EventStoreContracts.deleteAggregate, {
      aggregateId: 'list-1',
      deletedBy: 'test',
    });
    expect(deleted).toMatchObject({ deletedNow: true, version: 2 });
    const after = await client.request(EventStoreContracts.loadStory, { aggregateId: 'list-1', ignoreSnapshot: true });
    expect(after).toMatchObject({ deleted: true });
    expect(after.events).toHaveLength(2);

    const search = await fetch(`${running.url}/events?eventName=ItemAdded&text=MILK`);
    expect(search.status).toBe(200);
    expect(await search.json()).toMatchObject({ total: 1, items: [{ eventId: 'e2' }] });
  });
});
