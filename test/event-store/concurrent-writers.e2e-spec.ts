import {
  type AppendRequest,
  EventStoreContracts,
  type OrderingMode,
  type StoredEvent,
  SystemContracts,
} from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, queryDatabase } from '@evento/testing';
import { type RunningApp, startApp } from '../support/apps';
import { compareCursors, connectNats, MODES, type Nats } from './support';

/**
 * Eight writers on two event-store instances (one NATS queue group, one database) append 5,000
 * events while a reader pages through the log with small fetches. Whatever the interleaving,
 * the reader sees each acknowledged event exactly once, every aggregate's events in version
 * order, and a cursor that never moves backwards.
 */

const WRITERS = 8;
const TOTAL_EVENTS = 5_000;
const AGGREGATES_PER_WRITER = 5;
const PAGE = 50;

/** Small deterministic PRNG (mulberry32), so a failing interleaving of sizes can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Acked {
  aggregateId: string | null;
  version: number | null;
  position: string;
}

jest.setTimeout(30_000);

describe.each(MODES)('concurrent writers on two instances in %s mode', (mode: OrderingMode) => {
  const url = freshDatabaseUrl(`es_writers_${mode}`);
  let nats: Nats;
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    nats = await connectNats();
    // Booting together also exercises the migration lock: both run against a blank database.
    apps.push(
      ...(await Promise.all([
        startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: mode }),
        startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: mode }),
      ])),
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((running) => running.app.close()));
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  it('shares requests between both instances', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      seen.add((await nats.client.request(SystemContracts.ping['event-store'], {})).instanceId);
    }
    expect([...seen].sort()).toEqual(apps.map((running) => running.config.INSTANCE_ID).sort());
  });

  it('lets a paging reader see every acknowledged event once, in order', async () => {
    const { client } = nats;
    const acked = new Map<string, Acked>();
    const failures: unknown[] = [];
    let writersDone = false;

    const writer = async (w: number): Promise<void> => {
      const next = random(1000 + w);
      const quota = TOTAL_EVENTS / WRITERS;
      const versions = new Map<string, number>();
      let written = 0;
      let counter = 0;
      while (written < quota) {
        const size = Math.min(quota - written, 1 + Math.floor(next() * 12));
        const events = Array.from({ length: size }, () => {
          counter += 1;
          const eventId = `w${w}-${counter}`;
          return {
            eventId,
            eventName: next() < 0.5 ? 'ItemAdded' : 'ItemRemoved',
            context: next() < 0.5 ? 'orders' : 'billing',
            payload: { writer: w, n: counter },
          };
        });
        const request: AppendRequest = { events };
        if (next() < 0.6) {
          const aggregateId = `agg-${w}-${Math.floor(next() * AGGREGATES_PER_WRITER)}`;
          const current = versions.get(aggregateId) ?? 0;
          request.aggregateId = aggregateId;
          request.expectedVersion = current === 0 && next() < 0.5 ? 'none' : current;
        }
        try {
          const reply = await client.request(EventStoreContracts.append, request, { timeoutMs: 15_000 });
          expect(reply.duplicate).toBe(false);
          expect(reply.positions).toHaveLength(size);
          if (request.aggregateId) {
            const before = versions.get(request.aggregateId) ?? 0;
            expect(reply.version).toBe(before + size);
            versions.set(request.aggregateId, reply.version);
          } else {
            expect(reply.version).toBe(0);
          }
          events.forEach((e, i) => {
            const version = request.aggregateId ? reply.version - size + 1 + i : null;
            acked.set(e.eventId, { aggregateId: request.aggregateId ?? null, version, position: reply.positions[i] });
          });
        } catch (error) {
          failures.push(error);
          return;
        }
        written += size;
      }
    };

    const seen = new Map<string, StoredEvent>();
    const violations: string[] = [];
    const pages = { count: 0, empty: 0 };
    const reader = async (): Promise<void> => {
      const lastVersion = new Map<string, number>();
      let cursor = '';
      let lastEvent: StoredEvent | undefined;
      const deadline = Date.now() + 45_000;
      while (!writersDone || seen.size < acked.size) {
        if (Date.now() > deadline) {
          violations.push(`reader gave up with ${seen.size} of ${acked.size} events seen`);
          return;
        }
        // Held until something newer is readable, so the reader does not spin.
        const page = await client.request(EventStoreContracts.fetch, { after: cursor, limit: PAGE, waitMs: 1_000 });
        pages.count += 1;
        if (page.events.length === 0) pages.empty += 1;
        if (page.events.length > PAGE) violations.push(`page of ${page.events.length} events`);
        if (compareCursors(page.cursor, cursor, mode) < 0) {
          violations.push(`cursor moved back from ${cursor} to ${page.cursor}`);
        }
        if (page.events.length === 0 && page.cursor !== cursor) {
          violations.push(`empty page moved the cursor from ${cursor} to ${page.cursor}`);
        }
        for (const e of page.events) {
          if (lastEvent && compareCursors(e.cursor, lastEvent.cursor, mode) <= 0) {
            violations.push(`event cursor ${e.cursor} not after ${lastEvent.cursor}`);
          }
          if (mode === 'CPES') {
            if (e.cursor !== e.position) violations.push(`CPES cursor ${e.cursor} is not the position ${e.position}`);
            if (lastEvent && BigInt(e.position) <= BigInt(lastEvent.position)) {
              violations.push(`position ${e.position} after ${lastEvent.position}`);
            }
          } else if (!e.cursor.endsWith(`:${e.position}`)) {
            violations.push(`APES cursor ${e.cursor} does not end with the position ${e.position}`);
          }
          if (seen.has(e.eventId)) violations.push(`${e.eventId} seen twice`);
          seen.set(e.eventId, e);
          if (e.aggregateId !== null) {
            const previous = lastVersion.get(e.aggregateId) ?? 0;
            if (e.aggregateVersion !== previous + 1) {
              violations.push(`${e.aggregateId} version ${e.aggregateVersion} after ${previous}`);
            }
            lastVersion.set(e.aggregateId, e.aggregateVersion ?? -1);
          }
          lastEvent = e;
        }
        if (page.events.length > 0) {
          if (page.cursor !== page.events[page.events.length - 1].cursor) {
            violations.push(`page cursor ${page.cursor} is not its last event's`);
          }
          cursor = page.cursor;
        }
      }
    };

    const reading = reader();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writersDone = true;
    await reading;

    expect(failures).toEqual([]);
    expect(violations).toEqual([]);
    expect(acked.size).toBe(TOTAL_EVENTS);
    expect(seen.size).toBe(TOTAL_EVENTS);
    // What the reader saw is what each acknowledgement said: aggregate, version and position.
    const mismatches = [...acked].filter(([eventId, ack]) => {
      const read = seen.get(eventId);
      return (
        read?.aggregateId !== ack.aggregateId || read.aggregateVersion !== ack.version || read.position !== ack.position
      );
    });
    expect(mismatches).toEqual([]);
    // The reader ran alongside the writers, not just once they were done.
    expect(pages.count).toBeGreaterThanOrEqual(TOTAL_EVENTS / PAGE);

    const [{ count }] = await queryDatabase<{ count: number }>(
      url,
      'SELECT count(*)::int AS count FROM "event_store"."events"',
    );
    expect(count).toBe(TOTAL_EVENTS);
    // Every aggregate's versions run 1..n with no gap: the log is where appends read the current
    // version, and `aggregates` holds deletion marks only.
    const gaps = await queryDatabase(
      url,
      `SELECT aggregate_id, count(*)::int AS events, min(aggregate_version) AS min, max(aggregate_version) AS max
         FROM "event_store"."events" WHERE aggregate_id IS NOT NULL
        GROUP BY aggregate_id
       HAVING min(aggregate_version) <> 1 OR count(*) <> max(aggregate_version)`,
    );
    expect(gaps).toEqual([]);
    const [{ marks }] = await queryDatabase<{ marks: number }>(
      url,
      'SELECT count(*)::int AS marks FROM "event_store"."aggregates"',
    );
    expect(marks).toBe(0);
  }, 60_000);
});
