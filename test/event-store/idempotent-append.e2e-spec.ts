import { type AppendRequest, ErrorCode, EventStoreContracts, type OrderingMode } from '@evento/contracts';
import { queryDatabase } from '@evento/testing';
import { useApps } from '../support/apps';
import { event, MODES } from './support';

/**
 * A writer that did not get its acknowledgement retries with the same event ids. The retry is
 * answered with the original result (`duplicate: true`) and stores nothing, whatever happened
 * to the aggregate since, and however many copies of the retry race each other.
 */

jest.setTimeout(30_000);

describe.each(MODES)('retried appends in %s mode', (mode: OrderingMode) => {
  const suite = useApps('event-store', { label: `es_retry_${mode}`, count: 2, env: { EVENT_STORE_MODE: mode } });
  const url = suite.url;

  async function rowCount(): Promise<number> {
    const [{ count }] = await queryDatabase<{ count: number }>(
      url,
      'SELECT count(*)::int AS count FROM "event_store"."events"',
    );
    return count;
  }

  const append = (request: AppendRequest) => suite.client.request(EventStoreContracts.append, request);

  it('answers a retry with the original result and stores nothing new', async () => {
    const request: AppendRequest = {
      aggregateId: 'order-1',
      expectedVersion: 'none',
      events: [event('o1-created', 'OrderCreated', { total: 10 }), event('o1-paid', 'OrderPaid', { amount: 10 })],
    };
    const first = await append(request);
    expect(first).toMatchObject({ version: 2, duplicate: false });
    const rows = await rowCount();

    const retry = await append(request);
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(await rowCount()).toBe(rows);

    const stored = await queryDatabase<{ event_id: string; position: string; aggregate_version: number }>(
      url,
      `SELECT event_id, position::text AS position, aggregate_version FROM "event_store"."events"
        WHERE aggregate_id = 'order-1' ORDER BY aggregate_version`,
    );
    expect(stored).toEqual([
      { event_id: 'o1-created', position: first.positions[0], aggregate_version: 1 },
      { event_id: 'o1-paid', position: first.positions[1], aggregate_version: 2 },
    ]);
  });

  it('answers a late retry with the original result after the aggregate moved on', async () => {
    const request: AppendRequest = {
      aggregateId: 'order-2',
      expectedVersion: 0,
      events: [event('o2-created', 'OrderCreated')],
    };
    const first = await append(request);
    const later = await append({ aggregateId: 'order-2', expectedVersion: 1, events: [event('o2-shipped')] });
    expect(later.version).toBe(2);
    const rows = await rowCount();

    // expectedVersion 0 is stale now, but this is a retry: the original answer, not a CONFLICT.
    expect(await append(request)).toEqual({ ...first, duplicate: true });
    expect(await append({ ...request, expectedVersion: 'none' })).toEqual({ ...first, duplicate: true });
    expect(await rowCount()).toBe(rows);
    const story = await suite.client.request(EventStoreContracts.loadStory, { aggregateId: 'order-2' });
    expect(story.events.map((e) => e.eventId)).toEqual(['o2-created', 'o2-shipped']);
  });

  it('answers a retried service event append with its original positions', async () => {
    const request: AppendRequest = { events: [event('mail-1', 'MailSent'), event('mail-2', 'MailSent')] };
    const first = await append(request);
    expect(first).toMatchObject({ version: 0, duplicate: false });
    const rows = await rowCount();
    expect(await append(request)).toEqual({ ...first, duplicate: true });
    expect(await rowCount()).toBe(rows);
  });

  it('refuses an append that repeats only some stored event ids, and stores none of it', async () => {
    const rows = await rowCount();
    await expect(
      append({ aggregateId: 'order-1', expectedVersion: 2, events: [event('o1-paid'), event('o1-refunded')] }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    await expect(append({ events: [event('o1-refunded'), event('mail-1')] })).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
    });
    expect(await rowCount()).toBe(rows);
    const refunded = await queryDatabase(url, `SELECT 1 FROM "event_store"."events" WHERE event_id = 'o1-refunded'`);
    expect(refunded).toEqual([]);
  });

  it.each([
    [
      'service events',
      (n: number): AppendRequest => ({ events: [event(`race-svc-${n}-a`), event(`race-svc-${n}-b`)] }),
    ],
    [
      'aggregate events',
      (n: number): AppendRequest => ({
        aggregateId: `race-agg-${n}`,
        expectedVersion: 'none',
        events: [event(`race-agg-${n}-a`), event(`race-agg-${n}-b`)],
      }),
    ],
  ])('stores %s once when 20 copies of the same append race over both instances', async (_what, build) => {
    for (let n = 0; n < 5; n++) {
      const request = build(n);
      const rows = await rowCount();
      const replies = await Promise.all(
        Array.from({ length: 20 }, () =>
          suite.client.request(EventStoreContracts.append, request, { timeoutMs: 15_000 }),
        ),
      );
      expect(replies.filter((reply) => !reply.duplicate)).toHaveLength(1);
      const original = replies.find((reply) => !reply.duplicate)!;
      for (const reply of replies) expect(reply).toEqual({ ...original, duplicate: reply.duplicate });
      expect(await rowCount()).toBe(rows + 2);
    }
  });
});
