import {
  type AppendRequest,
  ErrorCode,
  EventStoreContracts,
  type HeadResponse,
  type OrderingMode,
  type SearchEventsResponse,
  type SnapshotBody,
  type StoredEvent,
  type StoryResponse,
} from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, waitFor } from '@evento/testing';
import { type RunningApp, startApp } from '../support/apps';
import { connectNats, event, MODES, type Nats, sleep } from './support';

/**
 * The operators' HTTP API: event search with every filter, the head, stories and snapshots,
 * and typed 400 / 404 answers for bad query values and unknown snapshots.
 */

jest.setTimeout(30_000);

describe.each(MODES)('the event store HTTP API in %s mode', (mode: OrderingMode) => {
  const url = freshDatabaseUrl(`es_http_${mode}`);
  let nats: Nats;
  let running: RunningApp;
  /** Every appended event as stored, in append order. */
  let all: StoredEvent[];

  beforeAll(async () => {
    nats = await connectNats();
    running = await startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: mode });
    const append = (request: AppendRequest) => nats.client.request(EventStoreContracts.append, request);
    await append({
      aggregateId: 'inv-1',
      expectedVersion: 'none',
      events: [
        { ...event('inv-1-created', 'InvoiceCreated', { customer: 'ACME Corp', total: 100 }), context: 'billing' },
        { ...event('inv-1-paid', 'InvoicePaid', { amount: 100 }), context: 'billing' },
      ],
    });
    await append({
      aggregateId: 'ord-1',
      expectedVersion: 'none',
      events: [{ ...event('ord-1-placed', 'OrderPlaced', { item: 'Widget 50% off' }), context: 'orders' }],
    });
    await append({ events: [event('mail-1', 'MailSent', { to: 'bob@example.com' })] });
    await append({
      aggregateId: 'ord-1',
      expectedVersion: 1,
      events: [{ ...event('ord-1-shipped', 'OrderShipped', { carrier: 'UPS' }), context: 'orders' }],
    });
    // Later than the others by a clear margin, for the time filters.
    await sleep(50);
    await append({
      aggregateId: 'ord-2',
      events: [{ ...event('ord-2-placed', 'OrderPlaced', { item: 'Gadget' }), context: 'orders' }],
    });
    // In APES an event is readable once older transactions anywhere on the server have ended.
    await waitFor(async () => (all = (await nats.client.request(EventStoreContracts.fetch, {})).events).length === 6, {
      what: 'the six events to be readable',
    });
  });

  afterAll(async () => {
    await running?.app.close();
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  async function get<T>(path: string, status = 200): Promise<T> {
    const response = await fetch(`${running.url}${path}`);
    const body = (await response.json()) as T;
    expect({ path, status: response.status, body }).toEqual({ path, status, body });
    return body;
  }

  const search = (query: string) => get<SearchEventsResponse>(`/events${query}`);
  const ids = (response: SearchEventsResponse) => response.items.map((e) => e.eventId);

  it('lists every event in position order by default', async () => {
    expect(all.map((e) => e.eventId)).toEqual([
      'inv-1-created',
      'inv-1-paid',
      'ord-1-placed',
      'mail-1',
      'ord-1-shipped',
      'ord-2-placed',
    ]);
    const everything = await search('');
    expect(everything).toMatchObject({ page: 1, pageSize: 50, total: 6, truncated: false });
    expect(everything.items).toEqual(all);
  });

  it('filters by aggregate, event name and context', async () => {
    expect(ids(await search('?aggregateId=inv-1'))).toEqual(['inv-1-created', 'inv-1-paid']);
    expect(ids(await search('?eventName=OrderPlaced'))).toEqual(['ord-1-placed', 'ord-2-placed']);
    expect(ids(await search('?context=orders'))).toEqual(['ord-1-placed', 'ord-1-shipped', 'ord-2-placed']);
    expect(ids(await search('?context=default'))).toEqual(['mail-1']);
    expect(ids(await search('?context=orders&eventName=OrderShipped&aggregateId=ord-1'))).toEqual(['ord-1-shipped']);
    expect(await search('?aggregateId=nobody')).toMatchObject({ items: [], total: 0 });
  });

  it('filters by position range, inclusive', async () => {
    const [, second, , fourth] = all;
    expect(ids(await search(`?fromPosition=${second.position}&toPosition=${fourth.position}`))).toEqual([
      'inv-1-paid',
      'ord-1-placed',
      'mail-1',
    ]);
    expect(ids(await search(`?fromPosition=${fourth.position}`))).toEqual(['mail-1', 'ord-1-shipped', 'ord-2-placed']);
    expect(ids(await search(`?toPosition=${second.position}`))).toEqual(['inv-1-created', 'inv-1-paid']);
  });

  it('filters by creation time: from inclusive, to exclusive', async () => {
    const last = all[all.length - 1];
    const at = encodeURIComponent(last.createdAt);
    expect(ids(await search(`?from=${at}`))).toEqual(['ord-2-placed']);
    expect((await search(`?to=${at}`)).total).toBe(5);
    const before = encodeURIComponent(new Date(Date.parse(all[0].createdAt) - 60_000).toISOString());
    expect(
      (await search(`?from=${before}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).total,
    ).toBe(6);
  });

  it('finds payload text case-insensitively, with % and _ taken literally', async () => {
    expect(ids(await search('?text=acme'))).toEqual(['inv-1-created']);
    expect(ids(await search(`?text=${encodeURIComponent('50%')}`))).toEqual(['ord-1-placed']);
    expect(ids(await search(`?text=${encodeURIComponent('%')}`))).toEqual(['ord-1-placed']);
    expect((await search('?text=_')).total).toBe(0);
    expect(ids(await search('?text=BOB@EXAMPLE'))).toEqual(['mail-1']);
  });

  it('pages and orders', async () => {
    const page2 = await search('?pageSize=2&page=2');
    expect(page2).toMatchObject({ page: 2, pageSize: 2, total: 6 });
    expect(ids(page2)).toEqual(['ord-1-placed', 'mail-1']);
    expect(ids(await search('?order=desc'))).toEqual(all.map((e) => e.eventId).reverse());
    expect(ids(await search('?context=orders&order=desc&pageSize=1'))).toEqual(['ord-2-placed']);
    expect(await search('?page=4&pageSize=2')).toMatchObject({ items: [], total: 6 });
  });

  it('answers the head, overall and per context', async () => {
    const last = all[all.length - 1];
    expect(await get<HeadResponse>('/events/head')).toEqual({ cursor: last.cursor, position: last.position });
    const paid = all[1];
    expect(await get<HeadResponse>('/events/head?context=billing')).toEqual({
      cursor: paid.cursor,
      position: paid.position,
    });
    expect(await get<HeadResponse>('/events/head?context=nothing')).toEqual({ cursor: '', position: '0' });
  });

  it('serves stories and snapshots', async () => {
    const story = await get<StoryResponse>('/aggregates/ord-1');
    expect(story).toMatchObject({ aggregateId: 'ord-1', version: 2, deleted: false, snapshot: null });
    expect(story.events.map((e) => e.eventId)).toEqual(['ord-1-placed', 'ord-1-shipped']);
    const rest = await get<StoryResponse>('/aggregates/ord-1?afterVersion=1');
    expect(rest.events.map((e) => e.eventId)).toEqual(['ord-1-shipped']);

    await get('/aggregates/ord-1/snapshot', 404);
    const missing = await fetch(`${running.url}/aggregates/ord-1/snapshot`);
    expect(await missing.json()).toMatchObject({ code: ErrorCode.NOT_FOUND });

    await nats.client.request(EventStoreContracts.saveSnapshot, { aggregateId: 'ord-1', version: 1, state: { n: 1 } });
    const snapshot = await get<SnapshotBody>('/aggregates/ord-1/snapshot');
    expect(snapshot).toMatchObject({ version: 1, state: { n: 1 } });
    const withSnapshot = await get<StoryResponse>('/aggregates/ord-1');
    expect(withSnapshot).toMatchObject({ snapshot: { version: 1, state: { n: 1 } } });
    expect(withSnapshot.events.map((e) => e.eventId)).toEqual(['ord-1-shipped']);
    const ignoring = await get<StoryResponse>('/aggregates/ord-1?ignoreSnapshot=true');
    expect(ignoring.snapshot).toBeNull();
    expect(ignoring.events).toHaveLength(2);

    expect(await get<StoryResponse>('/aggregates/nobody')).toMatchObject({ version: 0, events: [], deleted: false });
  });

  it.each([
    '/events?pageSize=0',
    '/events?pageSize=201',
    '/events?page=abc',
    '/events?page=0',
    '/events?fromPosition=-1',
    '/events?toPosition=abc',
    '/events?fromPosition=9223372036854775808',
    '/events?from=yesterday',
    '/events?order=sideways',
    '/events?aggregateId=a%20b',
    `/events?text=${'t'.repeat(201)}`,
    '/events/head?context=a%20b',
    '/aggregates/inv-1?afterVersion=-1',
    '/aggregates/inv-1?afterVersion=abc',
    '/aggregates/inv-1?afterVersion=99999999999',
    '/aggregates/inv-1?ignoreSnapshot=maybe',
    '/aggregates/a%20b',
    '/aggregates/a%20b/snapshot',
  ])('answers %s with 400 VALIDATION_FAILED', async (path) => {
    const body = await get<{ code: string; message: string }>(path, 400);
    expect(body).toMatchObject({ code: ErrorCode.VALIDATION_FAILED, message: expect.any(String) });
  });
});
