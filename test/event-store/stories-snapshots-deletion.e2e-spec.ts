import {
  ErrorCode,
  EventStoreContracts,
  type FetchResponse,
  type OrderingMode,
  type SaveSnapshotResponse,
  type StoryResponse,
} from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, queryDatabase } from '@evento/testing';
import { type RunningApp, startApp } from '../support/apps';
import { connectNats, event, MODES, type Nats, rawRequest } from './support';

/**
 * Aggregate stories: a story larger than a NATS message loads page by page, with or without
 * its snapshot; snapshots only move forward; a deleted aggregate keeps its story but takes no
 * more events.
 */

const ONE_MIB = 1024 * 1024;
const STORY_EVENTS = 300;
const PAYLOAD = 'x'.repeat(8_000);

jest.setTimeout(30_000);

describe.each(MODES)('stories, snapshots and deletion in %s mode', (mode: OrderingMode) => {
  const url = freshDatabaseUrl(`es_story_${mode}`);
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

  /** Loads a whole story page by page over raw NATS, checking each reply's size on the wire. */
  async function loadWholeStory(aggregateId: string, ignoreSnapshot?: boolean) {
    const pages: Array<StoryResponse & { bytes: number }> = [];
    let afterVersion: number | undefined;
    for (let i = 0; i < 100; i++) {
      const { reply, bytes } = await rawRequest(
        nats.nc,
        EventStoreContracts.loadStory.subject,
        JSON.stringify({ aggregateId, ignoreSnapshot, afterVersion }),
      );
      expect(reply.error).toBeUndefined();
      const page = reply.data as StoryResponse;
      pages.push({ ...page, bytes });
      if (page.nextAfterVersion === null) break;
      expect(page.nextAfterVersion).toBe(page.events[page.events.length - 1].aggregateVersion);
      afterVersion = page.nextAfterVersion;
    }
    return { pages, events: pages.flatMap((page) => page.events) };
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  describe('a story bigger than a NATS message', () => {
    const aggregateId = 'big-1';

    beforeAll(async () => {
      for (let start = 0; start < STORY_EVENTS; start += 50) {
        await nats.client.request(
          EventStoreContracts.append,
          {
            aggregateId,
            expectedVersion: start,
            events: range(start + 1, start + 50).map((v) => ({
              ...event(`big-${v}`, 'Grew', { v, blob: PAYLOAD }),
              context: 'big',
            })),
          },
          { timeoutMs: 15_000 },
        );
      }
    });

    it('loads page by page, every version in order, each reply under 1 MiB', async () => {
      const { pages, events } = await loadWholeStory(aggregateId);
      expect(pages.length).toBeGreaterThan(2);
      expect(events.map((e) => e.aggregateVersion)).toEqual(range(1, STORY_EVENTS));
      expect(events.map((e) => e.eventId)).toEqual(range(1, STORY_EVENTS).map((v) => `big-${v}`));
      expect(events.every((e) => e.payload.blob === PAYLOAD)).toBe(true);
      for (const page of pages) {
        expect(page.bytes).toBeLessThan(ONE_MIB);
        expect(page).toMatchObject({ aggregateId, version: STORY_EVENTS, deleted: false, snapshot: null });
      }
      expect(pages[pages.length - 1].nextAfterVersion).toBeNull();
    });

    it('starts after the snapshot unless told to ignore it', async () => {
      expect(
        await nats.client.request(EventStoreContracts.saveSnapshot, {
          aggregateId,
          version: 120,
          state: { size: 120 },
        }),
      ).toEqual({ stored: true, version: 120 });

      const withSnapshot = await loadWholeStory(aggregateId);
      expect(withSnapshot.pages[0].snapshot).toMatchObject({ version: 120, state: { size: 120 } });
      expect(withSnapshot.pages.slice(1).every((page) => page.snapshot === null)).toBe(true);
      expect(withSnapshot.events.map((e) => e.aggregateVersion)).toEqual(range(121, STORY_EVENTS));
      for (const page of withSnapshot.pages) expect(page.bytes).toBeLessThan(ONE_MIB);

      const ignoring = await loadWholeStory(aggregateId, true);
      expect(ignoring.pages.every((page) => page.snapshot === null)).toBe(true);
      expect(ignoring.events.map((e) => e.aggregateVersion)).toEqual(range(1, STORY_EVENTS));
    });

    it('fetches the same events page by page under the byte budget', async () => {
      let cursor = '';
      const seen: number[] = [];
      for (let i = 0; i < 100 && seen.length < STORY_EVENTS; i++) {
        const { reply, bytes } = await rawRequest(
          nats.nc,
          EventStoreContracts.fetch.subject,
          JSON.stringify({ after: cursor, limit: 5000, context: 'big', waitMs: 5_000 }),
          10_000,
        );
        expect(bytes).toBeLessThan(ONE_MIB);
        const page = reply.data as FetchResponse;
        expect(page.events.length).toBeGreaterThan(0);
        seen.push(...page.events.map((e) => e.aggregateVersion!));
        cursor = page.cursor;
      }
      expect(seen).toEqual(range(1, STORY_EVENTS));
    });
  });

  it('keeps every reply under 1 MiB when ids and names are long', async () => {
    // Longest allowed names: what a reply carries besides payloads must count too.
    const long = (prefix: string, length: number) => `${prefix}${'n'.repeat(length - prefix.length)}`;
    const aggregateId = long('long-', 200);
    const count = 1_500;
    for (let start = 0; start < count; start += 500) {
      await nats.client.request(
        EventStoreContracts.append,
        {
          aggregateId,
          expectedVersion: start,
          events: range(start + 1, start + 500).map((v) => ({
            eventId: long(`long-${v}-`, 128),
            eventName: long('Name', 200),
            context: long('ctx', 200),
            payload: { text: 'y'.repeat(400) },
          })),
        },
        { timeoutMs: 15_000 },
      );
    }
    const { pages, events } = await loadWholeStory(aggregateId);
    expect(events.map((e) => e.aggregateVersion)).toEqual(range(1, count));
    for (const page of pages) expect(page.bytes).toBeLessThan(ONE_MIB);

    let cursor = '';
    let read = 0;
    for (let i = 0; i < 100 && read < count; i++) {
      const { reply, bytes } = await rawRequest(
        nats.nc,
        EventStoreContracts.fetch.subject,
        JSON.stringify({ after: cursor, limit: 5000, context: long('ctx', 200), waitMs: 5_000 }),
        10_000,
      );
      expect(reply.error).toBeUndefined();
      expect(bytes).toBeLessThan(ONE_MIB);
      const page = reply.data as FetchResponse;
      read += page.events.length;
      cursor = page.cursor;
    }
    expect(read).toBe(count);
  });

  describe('snapshots', () => {
    const aggregateId = 'snap-1';

    beforeAll(async () => {
      await nats.client.request(EventStoreContracts.append, {
        aggregateId,
        expectedVersion: 'none',
        events: range(1, 10).map((v) => event(`snap-${v}`, 'Counted', { v })),
      });
    });

    it('never lets an older snapshot overwrite a newer one', async () => {
      const save = (version: number, state: Record<string, unknown>) =>
        nats.client.request(EventStoreContracts.saveSnapshot, { aggregateId, version, state });
      expect(await save(6, { n: 6 })).toEqual({ stored: true, version: 6 });
      expect(await save(4, { n: 4 })).toEqual({ stored: false, version: 6 });
      expect(await save(6, { n: 'other' })).toEqual({ stored: false, version: 6 });
      const loaded = await nats.client.request(EventStoreContracts.loadSnapshot, { aggregateId });
      expect(loaded).toMatchObject({ version: 6, state: { n: 6 } });
      expect(await save(10, { n: 10 })).toEqual({ stored: true, version: 10 });
      expect(await nats.client.request(EventStoreContracts.loadSnapshot, { aggregateId })).toMatchObject({
        version: 10,
        state: { n: 10 },
      });
      const story = await nats.client.request(EventStoreContracts.loadStory, { aggregateId });
      expect(story).toMatchObject({ version: 10, snapshot: { version: 10, state: { n: 10 } }, events: [] });
      expect(story.nextAfterVersion).toBeNull();
    });

    it('refuses a snapshot ahead of the aggregate, and one of an unknown aggregate', async () => {
      await expect(
        nats.client.request(EventStoreContracts.saveSnapshot, { aggregateId, version: 11, state: {} }),
      ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 10 } });
      await expect(
        nats.client.request(EventStoreContracts.saveSnapshot, { aggregateId: 'nobody', version: 1, state: {} }),
      ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      await expect(
        nats.client.request(EventStoreContracts.loadSnapshot, { aggregateId: 'nobody' }),
      ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      expect(await nats.client.request(EventStoreContracts.loadSnapshot, { aggregateId })).toMatchObject({
        version: 10,
      });
    });

    it('keeps the newest of many racing snapshots and reports each outcome truthfully', async () => {
      const racing = 'snap-race';
      await nats.client.request(EventStoreContracts.append, {
        aggregateId: racing,
        events: range(1, 30).map((v) => event(`race-${v}`)),
      });
      for (let round = 0; round < 3; round++) {
        const versions = range(1, 30).sort(() => Math.random() - 0.5);
        const replies: Array<SaveSnapshotResponse | null> = await Promise.all(
          versions.map((version) =>
            nats.client.request(EventStoreContracts.saveSnapshot, {
              aggregateId: `${racing}`,
              version,
              state: { version, round },
            }),
          ),
        );
        replies.forEach((reply, i) => {
          expect(reply).toEqual({ stored: expect.any(Boolean), version: expect.any(Number) });
          // Stored: at its own version. Not stored: a snapshot at least as new is there.
          if (reply!.stored) expect(reply!.version).toBe(versions[i]);
          else expect(reply!.version).toBeGreaterThanOrEqual(versions[i]);
        });
        const kept = await nats.client.request(EventStoreContracts.loadSnapshot, { aggregateId: racing });
        expect(kept.version).toBe(30);
        if (round === 0) expect(kept.state).toEqual({ version: 30, round: 0 });
      }
    });
  });

  describe('soft deletion', () => {
    const aggregateId = 'doc-1';

    beforeAll(async () => {
      await nats.client.request(EventStoreContracts.append, {
        aggregateId,
        expectedVersion: 'none',
        events: [event('doc-1-a', 'Written'), event('doc-1-b', 'Edited'), event('doc-1-c', 'Edited')],
      });
      await nats.client.request(EventStoreContracts.saveSnapshot, { aggregateId, version: 2, state: { edits: 1 } });
    });

    it('marks the aggregate, its events and its snapshot deleted, and keeps its story', async () => {
      const deleted = await nats.client.request(EventStoreContracts.deleteAggregate, {
        aggregateId,
        deletedBy: 'operator:alice',
        reason: 'GDPR request',
      });
      expect(deleted).toMatchObject({ aggregateId, version: 3, deletedBy: 'operator:alice', deletedNow: true });
      expect(new Date(deleted.deletedAt).toISOString()).toBe(deleted.deletedAt);

      const story = await nats.client.request(EventStoreContracts.loadStory, { aggregateId, ignoreSnapshot: true });
      expect(story).toMatchObject({ aggregateId, version: 3, deleted: true, deletedAt: deleted.deletedAt });
      expect(story.events.map((e) => e.eventId)).toEqual(['doc-1-a', 'doc-1-b', 'doc-1-c']);
      expect(story.events.every((e) => e.deletedAt === deleted.deletedAt)).toBe(true);

      const events = await queryDatabase<{ deleted_at: Date | null }>(
        url,
        `SELECT deleted_at FROM "event_store"."events" WHERE aggregate_id = $1`,
        [aggregateId],
      );
      expect(events).toHaveLength(3);
      expect(events.every((row) => row.deleted_at?.toISOString() === deleted.deletedAt)).toBe(true);
      const [snapshot] = await queryDatabase<{ deleted_at: Date | null }>(
        url,
        `SELECT deleted_at FROM "event_store"."snapshots" WHERE aggregate_id = $1`,
        [aggregateId],
      );
      expect(snapshot.deleted_at?.toISOString()).toBe(deleted.deletedAt);
      const [mark] = await queryDatabase(
        url,
        'SELECT deleted_by, delete_reason FROM "event_store"."aggregates" WHERE aggregate_id = $1',
        [aggregateId],
      );
      expect(mark).toEqual({ deleted_by: 'operator:alice', delete_reason: 'GDPR request' });
    });

    it('refuses appends to a deleted aggregate, whatever the expected version', async () => {
      for (const expectedVersion of [3, 'any' as const, 'none' as const]) {
        await expect(
          nats.client.request(EventStoreContracts.append, {
            aggregateId,
            expectedVersion,
            events: [event(`doc-1-after-${expectedVersion}`)],
          }),
        ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { deleted: true, actualVersion: 3 } });
      }
      const rows = await queryDatabase(url, `SELECT 1 FROM "event_store"."events" WHERE aggregate_id = $1`, [
        aggregateId,
      ]);
      expect(rows).toHaveLength(3);
    });

    it('reports the original deletion when deleted again, and NOT_FOUND for an unknown aggregate', async () => {
      const first = await queryDatabase<{ deleted_at: Date }>(
        url,
        'SELECT deleted_at FROM "event_store"."aggregates" WHERE aggregate_id = $1',
        [aggregateId],
      );
      const again = await nats.client.request(EventStoreContracts.deleteAggregate, {
        aggregateId,
        deletedBy: 'operator:bob',
      });
      expect(again).toEqual({
        aggregateId,
        version: 3,
        deletedAt: first[0].deleted_at.toISOString(),
        deletedBy: 'operator:alice',
        deletedNow: false,
      });
      await expect(
        nats.client.request(EventStoreContracts.deleteAggregate, { aggregateId: 'doc-unknown', deletedBy: 'x' }),
      ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    });
  });
});
