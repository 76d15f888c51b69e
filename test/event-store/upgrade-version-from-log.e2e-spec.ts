import { ErrorCode, EventStoreContracts, type OrderingMode } from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, queryDatabase, TEST_POSTGRES_URL } from '@evento/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { eventStoreMigrations } from '../../apps/event-store/src/database/migrations';
import { LeanAppend1763800000300 } from '../../apps/event-store/src/database/migrations/1763800000300-LeanAppend';
import { type RunningApp, startApp } from '../support/apps';
import { connectNats, event, MODES, type Nats } from './support';

/**
 * A store written under the 1763800000300 schema, where `aggregates` kept every aggregate's
 * version, keeps its versions and deletion marks once upgraded: appends and deletions now read
 * the version from the log, and `aggregates` keeps only the marks.
 */

jest.setTimeout(30_000);

describe.each(MODES)('a store upgraded from the 1763800000300 schema in %s mode', (mode: OrderingMode) => {
  const url = freshDatabaseUrl(`es_upgrade_${mode}`);
  let nats: Nats;
  let running: RunningApp;

  beforeAll(async () => {
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());

    const upTo300 = eventStoreMigrations.slice(0, eventStoreMigrations.indexOf(LeanAppend1763800000300) + 1);
    const old = await new DataSource({
      type: 'postgres',
      url,
      migrations: upTo300,
      migrationsTableName: 'event_store_migrations',
    }).initialize();
    try {
      await old.runMigrations({ transaction: 'each' });
      const append = (aggregateId: string, ids: string[]) =>
        old.query('SELECT "event_store"."append_batch"($1::jsonb, $2, true)', [
          JSON.stringify([{ aggregateId, expectedVersion: 'none', events: ids.map((id) => event(id)) }]),
          mode === 'CPES',
        ]);
      await append('kept-1', ['kept-1-a', 'kept-1-b', 'kept-1-c']);
      await append('gone-1', ['gone-1-a', 'gone-1-b']);
      // How the 300 schema's store marked a deletion.
      await old.query(
        `UPDATE "event_store"."aggregates" SET deleted_at = now(), deleted_by = 'operator:old', delete_reason = 'old'
         WHERE aggregate_id = 'gone-1'`,
      );
    } finally {
      await old.destroy();
    }

    nats = await connectNats();
    running = await startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: mode });
  });

  afterAll(async () => {
    await running?.app.close();
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  const liveRows = async () =>
    (
      await queryDatabase<{ n: number }>(
        url,
        'SELECT count(*)::int AS n FROM "event_store"."aggregates" WHERE deleted_at IS NULL',
      )
    )[0].n;

  it('drops the version rows and keeps the deletion marks', async () => {
    expect(await liveRows()).toBe(0);
    const marks = await queryDatabase(url, 'SELECT aggregate_id, version, deleted_by FROM "event_store"."aggregates"');
    expect(marks).toEqual([{ aggregate_id: 'gone-1', version: 2, deleted_by: 'operator:old' }]);
  });

  it('still answers with the versions written before the upgrade', async () => {
    const story = await nats.client.request(EventStoreContracts.loadStory, { aggregateId: 'kept-1' });
    expect(story).toMatchObject({ version: 3, deleted: false, deletedAt: null });
    await expect(
      nats.client.request(EventStoreContracts.append, {
        aggregateId: 'kept-1',
        expectedVersion: 2,
        events: [event('kept-1-stale')],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 3, deleted: false } });
    const next = await nats.client.request(EventStoreContracts.append, {
      aggregateId: 'kept-1',
      expectedVersion: 3,
      events: [event('kept-1-d'), event('kept-1-e')],
    });
    expect(next).toMatchObject({ version: 5, duplicate: false });
    await expect(
      nats.client.request(EventStoreContracts.append, {
        aggregateId: 'gone-1',
        expectedVersion: 'any',
        events: [event('gone-1-after')],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 2, deleted: true } });
    expect(await liveRows()).toBe(0);
  });

  it('deletes at the version in the log, once, and refuses appends afterwards', async () => {
    const deleted = await nats.client.request(EventStoreContracts.deleteAggregate, {
      aggregateId: 'kept-1',
      deletedBy: 'operator:new',
    });
    expect(deleted).toMatchObject({ aggregateId: 'kept-1', version: 5, deletedBy: 'operator:new', deletedNow: true });
    const again = await nats.client.request(EventStoreContracts.deleteAggregate, {
      aggregateId: 'kept-1',
      deletedBy: 'operator:other',
    });
    expect(again).toEqual({ ...deleted, deletedNow: false });
    await expect(
      nats.client.request(EventStoreContracts.append, {
        aggregateId: 'kept-1',
        expectedVersion: 5,
        events: [event('kept-1-after')],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { actualVersion: 5, deleted: true } });
    const story = await nats.client.request(EventStoreContracts.loadStory, { aggregateId: 'kept-1' });
    expect(story).toMatchObject({ version: 5, deleted: true, deletedAt: deleted.deletedAt });
    const gone = await nats.client.request(EventStoreContracts.deleteAggregate, {
      aggregateId: 'gone-1',
      deletedBy: 'operator:new',
    });
    expect(gone).toMatchObject({ version: 2, deletedBy: 'operator:old', deletedNow: false });
  });
});
