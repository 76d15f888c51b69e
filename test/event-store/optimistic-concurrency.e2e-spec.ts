import { type AppendResponse, ErrorCode, EventoError, EventStoreContracts, type OrderingMode } from '@evento/contracts';
import { queryDatabase } from '@evento/testing';
import { useApps } from '../support/apps';
import { event, MODES } from './support';

/**
 * Optimistic concurrency under contention: many writers, spread over two instances, append to
 * one aggregate claiming the same expected version. One wins; every other one is refused with
 * the version it lost to, and the aggregate's versions stay contiguous.
 */

const RACERS = 50;

jest.setTimeout(30_000);

describe.each(MODES)('concurrent appends to one aggregate in %s mode', (mode: OrderingMode) => {
  const suite = useApps('event-store', { label: `es_occ_${mode}`, count: 2, env: { EVENT_STORE_MODE: mode } });
  const url = suite.url;

  async function versionsOf(aggregateId: string): Promise<number[]> {
    const rows = await queryDatabase<{ v: number }>(
      url,
      'SELECT aggregate_version AS v FROM "event_store"."events" WHERE aggregate_id = $1 ORDER BY aggregate_version',
      [aggregateId],
    );
    return rows.map((row) => row.v);
  }

  /** The version the store reports, which it reads from the log. */
  async function storedVersion(aggregateId: string): Promise<number> {
    const story = await suite.client.request(EventStoreContracts.loadStory, { aggregateId, ignoreSnapshot: true });
    return story.version;
  }

  function race(aggregateId: string, expectedVersion: number | 'none', eventsEach: number) {
    return Promise.allSettled(
      Array.from({ length: RACERS }, (_, r) =>
        suite.client.request(
          EventStoreContracts.append,
          {
            aggregateId,
            expectedVersion,
            events: Array.from({ length: eventsEach }, (_, i) => event(`${aggregateId}-r${r}-${i}`, 'Raced', { r })),
          },
          { timeoutMs: 15_000 },
        ),
      ),
    );
  }

  it('lets exactly one of 50 appends at the same expected version win', async () => {
    const aggregateId = 'cart-1';
    const setup = await suite.client.request(EventStoreContracts.append, {
      aggregateId,
      expectedVersion: 'none',
      events: [event('cart-1-a'), event('cart-1-b'), event('cart-1-c')],
    });
    expect(setup.version).toBe(3);

    const outcomes = await race(aggregateId, 3, 2);
    const won = outcomes.filter((o): o is PromiseFulfilledResult<AppendResponse> => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(won[0].value).toMatchObject({ version: 5, duplicate: false });
    expect(lost).toHaveLength(RACERS - 1);
    for (const { reason } of lost) {
      expect(reason).toBeInstanceOf(EventoError);
      expect(reason).toMatchObject({
        code: ErrorCode.CONFLICT,
        details: { aggregateId, expectedVersion: 3, actualVersion: 5, deleted: false },
      });
    }

    expect(await versionsOf(aggregateId)).toEqual([1, 2, 3, 4, 5]);
    expect(await storedVersion(aggregateId)).toBe(5);
    // Only the winner's events were written; the losers left nothing behind.
    const winner = outcomes.indexOf(won[0]);
    const stored = await queryDatabase<{ event_id: string }>(
      url,
      `SELECT event_id FROM "event_store"."events" WHERE aggregate_id = $1 AND aggregate_version > 3
        ORDER BY aggregate_version`,
      [aggregateId],
    );
    expect(stored.map((row) => row.event_id)).toEqual([`${aggregateId}-r${winner}-0`, `${aggregateId}-r${winner}-1`]);
  });

  it('lets exactly one of 50 creations ("none") of the same aggregate win', async () => {
    const aggregateId = 'cart-2';
    const outcomes = await race(aggregateId, 'none', 1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(reasons).toHaveLength(RACERS - 1);
    for (const reason of reasons) {
      expect(reason).toMatchObject({
        code: ErrorCode.CONFLICT,
        details: { expectedVersion: 'none', actualVersion: 1 },
      });
    }
    expect(await versionsOf(aggregateId)).toEqual([1]);
  });

  it('gives 50 concurrent "any" appends distinct, contiguous versions', async () => {
    const aggregateId = 'cart-3';
    const outcomes = await Promise.all(
      Array.from({ length: RACERS }, (_, r) =>
        suite.client.request(
          EventStoreContracts.append,
          {
            aggregateId,
            expectedVersion: 'any',
            events: [event(`${aggregateId}-${r}-0`), event(`${aggregateId}-${r}-1`)],
          },
          { timeoutMs: 15_000 },
        ),
      ),
    );
    // Each append got a distinct pair of versions: its reported version is the second of them.
    const reported = outcomes.map((o) => o.version).sort((a, b) => a - b);
    expect(reported).toEqual(Array.from({ length: RACERS }, (_, i) => 2 * (i + 1)));
    expect(await versionsOf(aggregateId)).toEqual(Array.from({ length: 2 * RACERS }, (_, i) => i + 1));
    expect(await storedVersion(aggregateId)).toBe(2 * RACERS);
    // An append's two events are adjacent versions: nobody slipped in between.
    const rows = await queryDatabase<{ event_id: string; v: number }>(
      url,
      'SELECT event_id, aggregate_version AS v FROM "event_store"."events" WHERE aggregate_id = $1',
      [aggregateId],
    );
    const versionOf = new Map(rows.map((row) => [row.event_id, row.v]));
    for (let r = 0; r < RACERS; r++) {
      expect(versionOf.get(`${aggregateId}-${r}-1`)).toBe(versionOf.get(`${aggregateId}-${r}-0`)! + 1);
    }
  });

  it('refuses a stale expected version after the race with the current version', async () => {
    await expect(
      suite.client.request(EventStoreContracts.append, {
        aggregateId: 'cart-1',
        expectedVersion: 4,
        events: [event('cart-1-late')],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 5 } });
    await expect(
      suite.client.request(EventStoreContracts.append, {
        aggregateId: 'cart-1',
        expectedVersion: 'none',
        events: [event('cart-1-late')],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 5 } });
    const next = await suite.client.request(EventStoreContracts.append, {
      aggregateId: 'cart-1',
      expectedVersion: 5,
      events: [event('cart-1-late')],
    });
    expect(next).toMatchObject({ version: 6, duplicate: false });
  });
});
