import { ErrorCode, EventStoreContracts, type OrderingMode } from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, queryDatabase } from '@evento/testing';
import { type RunningApp, startApp } from '../support/apps';
import { connectNats, MODES, type Nats, rawRequest } from './support';

/**
 * Every event-store subject answers malformed requests with a typed error
 * (`{ error: { code, message } }`), keeps serving, and stores nothing.
 */

jest.setTimeout(30_000);

/** Every request subject of the event store (all but the `appended` notification). */
const REQUEST_CONTRACTS: Array<[string, { subject: string }]> = Object.entries(EventStoreContracts).filter(
  ([, contract]) => contract.kind === 'request',
);

/** For each subject, a body whose fields have the wrong types. */
const WRONG_TYPES: Record<string, unknown> = {
  append: { aggregateId: 5, events: [{ eventId: 'e1', eventName: 'X', payload: {} }] },
  fetch: { after: 5, limit: 'ten' },
  head: { context: 5 },
  search: { aggregateId: 5 },
  loadStory: { aggregateId: 5 },
  saveSnapshot: { aggregateId: 5, version: 1, state: {} },
  loadSnapshot: { aggregateId: 5 },
  deleteAggregate: { aggregateId: 5, deletedBy: 'tester' },
};

const ok = (n = 1) => Array.from({ length: n }, (_, i) => ({ eventId: `ok-${i}`, eventName: 'X', payload: {} }));

/** Append bodies that must be refused, with the code each must get. */
const BAD_APPENDS: Array<[string, unknown, ErrorCode]> = [
  [
    'a NUL character inside a payload',
    { events: [{ eventId: 'n1', eventName: 'X', payload: { s: 'a\u0000b' } }] },
    ErrorCode.MALFORMED_MESSAGE,
  ],
  [
    'a NUL character in a payload key',
    { events: [{ eventId: 'n2', eventName: 'X', payload: { 'a\u0000': 1 } }] },
    ErrorCode.MALFORMED_MESSAGE,
  ],
  [
    'a payload over 512 KB',
    { events: [{ eventId: 'big', eventName: 'X', payload: { s: 'x'.repeat(600_000) } }] },
    ErrorCode.PAYLOAD_TOO_LARGE,
  ],
  [
    'payload and metadata over 512 KB together',
    {
      events: [
        { eventId: 'big2', eventName: 'X', payload: { s: 'x'.repeat(300_000) }, metadata: { s: 'y'.repeat(300_000) } },
      ],
    },
    ErrorCode.PAYLOAD_TOO_LARGE,
  ],
  ...['__proto__', 'constructor', 'prototype'].map((key): [string, unknown, ErrorCode] => [
    `a payload key ${key}, which would be stripped`,
    JSON.parse(`{"events":[{"eventId":"k1","eventName":"X","payload":{"list":[{"${key}":{"a":1}}]}}]}`),
    ErrorCode.MALFORMED_MESSAGE,
  ]),
  ['duplicate event ids in one append', { events: [...ok(1), ...ok(1)] }, ErrorCode.VALIDATION_FAILED],
  [
    'expectedVersion "sometimes"',
    { aggregateId: 'a-1', expectedVersion: 'sometimes', events: ok() },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'a negative expectedVersion',
    { aggregateId: 'a-1', expectedVersion: -1, events: ok() },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'a fractional expectedVersion',
    { aggregateId: 'a-1', expectedVersion: 1.5, events: ok() },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'an expectedVersion beyond any version',
    { aggregateId: 'a-1', expectedVersion: 2 ** 53 - 1, events: ok() },
    ErrorCode.VALIDATION_FAILED,
  ],
  ['an expectedVersion without an aggregate', { expectedVersion: 3, events: ok() }, ErrorCode.VALIDATION_FAILED],
  ['no events', { aggregateId: 'a-1', events: [] }, ErrorCode.VALIDATION_FAILED],
  ['events missing', { aggregateId: 'a-1' }, ErrorCode.VALIDATION_FAILED],
  ['events not an array', { events: 'e1' }, ErrorCode.VALIDATION_FAILED],
  ['a null event', { events: [null] }, ErrorCode.VALIDATION_FAILED],
  ['more than 1000 events', { events: ok(1001) }, ErrorCode.VALIDATION_FAILED],
  [
    'an event id with a space',
    { events: [{ eventId: 'a b', eventName: 'X', payload: {} }] },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'an event id of 129 characters',
    { events: [{ eventId: 'i'.repeat(129), eventName: 'X', payload: {} }] },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'an event name with a space',
    { events: [{ eventId: 'e1', eventName: 'Item Added', payload: {} }] },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'a payload that is an array',
    { events: [{ eventId: 'e1', eventName: 'X', payload: [1] }] },
    ErrorCode.VALIDATION_FAILED,
  ],
  ['a null payload', { events: [{ eventId: 'e1', eventName: 'X', payload: null }] }, ErrorCode.VALIDATION_FAILED],
  [
    'metadata that is a string',
    { events: [{ eventId: 'e1', eventName: 'X', payload: {}, metadata: 'm' }] },
    ErrorCode.VALIDATION_FAILED,
  ],
  ['an aggregate id with a space', { aggregateId: 'a 1', events: ok() }, ErrorCode.VALIDATION_FAILED],
  [
    'an empty context',
    { events: [{ eventId: 'e1', eventName: 'X', context: '', payload: {} }] },
    ErrorCode.VALIDATION_FAILED,
  ],
];

/** Requests to the other subjects that must be refused. */
const BAD_OTHERS: Array<[string, { subject: string }, unknown, ErrorCode]> = [
  ['fetch: an unknown cursor format', EventStoreContracts.fetch, { after: 'x:y' }, ErrorCode.VALIDATION_FAILED],
  ['fetch: limit 0', EventStoreContracts.fetch, { limit: 0 }, ErrorCode.VALIDATION_FAILED],
  ['fetch: limit 5001', EventStoreContracts.fetch, { limit: 5001 }, ErrorCode.VALIDATION_FAILED],
  ['fetch: waitMs over a minute', EventStoreContracts.fetch, { waitMs: 60_001 }, ErrorCode.VALIDATION_FAILED],
  ['fetch: maxBytes under 1 KiB', EventStoreContracts.fetch, { maxBytes: 10 }, ErrorCode.VALIDATION_FAILED],
  ['fetch: eventNames not an array', EventStoreContracts.fetch, { eventNames: 'X' }, ErrorCode.VALIDATION_FAILED],
  ['fetch: a context with a space', EventStoreContracts.fetch, { context: 'a b' }, ErrorCode.VALIDATION_FAILED],
  ['search: a page of 0', EventStoreContracts.search, { page: 0 }, ErrorCode.VALIDATION_FAILED],
  ['search: a page size of 201', EventStoreContracts.search, { pageSize: 201 }, ErrorCode.VALIDATION_FAILED],
  ['search: a negative fromPosition', EventStoreContracts.search, { fromPosition: '-1' }, ErrorCode.VALIDATION_FAILED],
  [
    'search: a position beyond 64 bits',
    EventStoreContracts.search,
    { fromPosition: '9999999999999999999' },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'search: a toPosition beyond 64 bits',
    EventStoreContracts.search,
    { toPosition: '9223372036854775808' },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'search: a time that is not ISO 8601',
    EventStoreContracts.search,
    { from: 'yesterday' },
    ErrorCode.VALIDATION_FAILED,
  ],
  ['search: an unknown order', EventStoreContracts.search, { order: 'sideways' }, ErrorCode.VALIDATION_FAILED],
  [
    'loadStory: a negative afterVersion',
    EventStoreContracts.loadStory,
    { aggregateId: 'a-1', afterVersion: -1 },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'loadStory: an afterVersion beyond any version',
    EventStoreContracts.loadStory,
    { aggregateId: 'a-1', afterVersion: 1e20 },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'loadStory: ignoreSnapshot "yes"',
    EventStoreContracts.loadStory,
    { aggregateId: 'a-1', ignoreSnapshot: 'yes' },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'saveSnapshot: version 0',
    EventStoreContracts.saveSnapshot,
    { aggregateId: 'a-1', version: 0, state: {} },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'saveSnapshot: a state that is an array',
    EventStoreContracts.saveSnapshot,
    { aggregateId: 'a-1', version: 1, state: [] },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'saveSnapshot: no state',
    EventStoreContracts.saveSnapshot,
    { aggregateId: 'a-1', version: 1 },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'deleteAggregate: no deletedBy',
    EventStoreContracts.deleteAggregate,
    { aggregateId: 'a-1' },
    ErrorCode.VALIDATION_FAILED,
  ],
  [
    'deleteAggregate: a blank deletedBy',
    EventStoreContracts.deleteAggregate,
    { aggregateId: 'a-1', deletedBy: ' ' },
    ErrorCode.VALIDATION_FAILED,
  ],
  ['loadSnapshot: no aggregateId', EventStoreContracts.loadSnapshot, {}, ErrorCode.VALIDATION_FAILED],
];

/** Cursors of the other mode, or out of range, per mode. */
const BAD_CURSORS: Record<OrderingMode, string[]> = {
  CPES: ['1:2', '9223372036854775808', '99999999999999999999'],
  APES: ['12', '18446744073709551616:1', '1:9223372036854775808', '99999999999999999999:1'],
};

describe.each(MODES)('malformed requests in %s mode', (mode: OrderingMode) => {
  const url = freshDatabaseUrl(`es_malformed_${mode}`);
  let nats: Nats;
  let running: RunningApp;

  beforeAll(async () => {
    nats = await connectNats();
    running = await startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: mode });
  });

  afterAll(async () => {
    await running?.app.close();
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  async function expectError(subject: string, body: string | Uint8Array, code: ErrorCode): Promise<void> {
    const { reply } = await rawRequest(nats.nc, subject, body);
    expect(reply.data).toBeUndefined();
    expect(reply.error).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
  }

  it('covers every request subject of the event store', () => {
    expect(REQUEST_CONTRACTS.map(([name]) => name).sort()).toEqual(Object.keys(WRONG_TYPES).sort());
  });

  describe.each(REQUEST_CONTRACTS)('on %s', (name, contract) => {
    it.each([
      ['a body that is not JSON', 'not json {', ErrorCode.MALFORMED_MESSAGE],
      ['a body that is not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), ErrorCode.MALFORMED_MESSAGE],
      ['a JSON array', '[1,2]', ErrorCode.VALIDATION_FAILED],
      ['a JSON string', '"aggregate"', ErrorCode.VALIDATION_FAILED],
      ['JSON null', 'null', ErrorCode.VALIDATION_FAILED],
      ['a body nested too deep', '{"a":'.repeat(100) + '1' + '}'.repeat(100), ErrorCode.MALFORMED_MESSAGE],
      ['a NUL character', JSON.stringify({ aggregateId: 'a\u0000b' }), ErrorCode.MALFORMED_MESSAGE],
      ['fields of the wrong types', JSON.stringify(WRONG_TYPES[name]), ErrorCode.VALIDATION_FAILED],
    ])('answers %s with a typed error', async (_what, body, code) => {
      await expectError(contract.subject, body, code);
    });
  });

  it.each(BAD_APPENDS)('refuses an append with %s', async (_what, body, code) => {
    await expectError(EventStoreContracts.append.subject, JSON.stringify(body), code);
  });

  it.each(BAD_OTHERS)('refuses %s', async (_what, contract, body, code) => {
    await expectError(contract.subject, JSON.stringify(body), code);
  });

  it.each(BAD_CURSORS[mode])('refuses the fetch cursor %s', async (after) => {
    await expectError(EventStoreContracts.fetch.subject, JSON.stringify({ after }), ErrorCode.VALIDATION_FAILED);
  });

  it('still serves afterwards, and stored nothing', async () => {
    const tables = ['events', 'aggregates', 'snapshots'];
    for (const table of tables) {
      const [{ count }] = await queryDatabase<{ count: number }>(
        url,
        `SELECT count(*)::int AS count FROM "event_store"."${table}"`,
      );
      expect({ table, count }).toEqual({ table, count: 0 });
    }
    expect(await nats.client.request(EventStoreContracts.head, {})).toEqual({ cursor: '', position: '0' });
    const appended = await nats.client.request(EventStoreContracts.append, {
      aggregateId: 'a-1',
      expectedVersion: 'none',
      events: ok(2),
    });
    expect(appended).toMatchObject({ version: 2, duplicate: false });
    const fetched = await nats.client.request(EventStoreContracts.fetch, { waitMs: 5_000 }, { timeoutMs: 10_000 });
    expect(fetched.events.map((e) => e.eventId)).toEqual(['ok-0', 'ok-1']);
  });
});
