import { EventStoreContracts, type SearchEventsResponse, type StoredEvent } from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, queryDatabase } from '@evento/testing';
import { type RunningApp, startApp } from '../support/apps';
import { connectNats, type Nats } from './support';

/**
 * What a writer appends is what every reader gets back, key for key and value for value:
 * payloads, metadata and snapshot states, through fetch, story, search, HTTP and snapshots.
 */

jest.setTimeout(30_000);

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { bottom: true };
  for (let i = 0; i < depth; i++) value = { [`level${i}`]: value };
  return value;
}

/** Keys named like Object.prototype members, odd keys and values that need escaping. */
const TRICKY: Record<string, unknown> = {
  toString: 'a string, not a function',
  valueOf: 42,
  hasOwnProperty: false,
  isPrototypeOf: null,
  propertyIsEnumerable: [1, 2],
  toLocaleString: { nested: 'x' },
  __defineGetter__: 'g',
  __lookupSetter__: 's',
  '': 'empty key',
  'a.b': 'dotted',
  $ref: '#/x',
  '0': 'numeric key',
  ключ: 'значение',
  '😀': 'emoji key',
  quotes: 'say "hi" \\ back\\slash',
  controls: 'tab\tnew\nline\r\u0001\u001f\u007f',
  separators: 'line\u2028para\u2029',
  astral: '𝄞 and 😀 and עברית',
  numbers: [0, -1, 1.5, 1e-7, 1.5e300, 9007199254740991, -9007199254740991],
  flags: [true, false, null],
  empty: { object: {}, array: [], string: '' },
  list: [{ toString: 1 }, { valueOf: { hasOwnProperty: 2 } }, [[{ isPrototypeOf: 3 }]]],
  deep: nested(50),
};

describe('payload fidelity', () => {
  const url = freshDatabaseUrl('es_fidelity');
  let nats: Nats;
  let running: RunningApp;
  const metadata = { ...TRICKY, causationId: 'c-1' };

  beforeAll(async () => {
    nats = await connectNats();
    running = await startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: 'CPES' });
    await nats.client.request(EventStoreContracts.append, {
      aggregateId: 'tricky-1',
      expectedVersion: 'none',
      events: [{ eventId: 'tricky-e1', eventName: 'Tricky', context: 'fidelity', payload: TRICKY, metadata }],
    });
  });

  afterAll(async () => {
    await running?.app.close();
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  const expectExact = (stored: StoredEvent | undefined) => {
    expect(stored?.payload).toEqual(TRICKY);
    expect(stored?.metadata).toEqual(metadata);
  };

  it('stores the payload and metadata as sent', async () => {
    const [row] = await queryDatabase<{ payload: unknown; metadata: unknown }>(
      url,
      `SELECT payload, metadata FROM "event_store"."events" WHERE event_id = 'tricky-e1'`,
    );
    expect(row.payload).toEqual(TRICKY);
    expect(row.metadata).toEqual(metadata);
  });

  it('gives them back through fetch, story and search', async () => {
    expectExact((await nats.client.request(EventStoreContracts.fetch, { context: 'fidelity' })).events[0]);
    expectExact((await nats.client.request(EventStoreContracts.loadStory, { aggregateId: 'tricky-1' })).events[0]);
    expectExact((await nats.client.request(EventStoreContracts.search, { aggregateId: 'tricky-1' })).items[0]);
    const http = (await (await fetch(`${running.url}/events?aggregateId=tricky-1`)).json()) as SearchEventsResponse;
    expectExact(http.items[0]);
  });

  it('keeps a snapshot state as sent', async () => {
    await nats.client.request(EventStoreContracts.saveSnapshot, { aggregateId: 'tricky-1', version: 1, state: TRICKY });
    expect((await nats.client.request(EventStoreContracts.loadSnapshot, { aggregateId: 'tricky-1' })).state).toEqual(
      TRICKY,
    );
    const story = await nats.client.request(EventStoreContracts.loadStory, { aggregateId: 'tricky-1' });
    expect(story.snapshot?.state).toEqual(TRICKY);
  });
});
