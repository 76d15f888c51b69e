import { dropDatabase, freshDatabaseUrl, queryDatabase, TEST_POSTGRES_URL } from '@evento/testing';
import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { eventStoreMigrations } from '../../apps/event-store/src/database/migrations';
import { appendFunctionsSql, RELEASED_APPEND_SQL_SHA256, sha256OfSql } from '../../apps/event-store/src/database/sql';

/**
 * The append functions live in one file, apps/event-store/src/database/sql/append.sql. A
 * migrated database must run exactly its bodies, and undoing the latest migration must put
 * back the bodies the migrations before it left. Definitions are compared as Postgres itself
 * prints them (pg_get_functiondef), so whitespace and quoting in headers cannot differ.
 */

const SOURCE = appendFunctionsSql();

/** `"schema"."name"(type, type)` of every function the source creates or replaces. */
function signaturesInSource(sql: string): string[] {
  const header = /CREATE\s+OR\s+REPLACE\s+FUNCTION\s+("[^"]+"\."[^"]+")\s*\(([^)]*)\)/gi;
  return [...sql.matchAll(header)].map(([, name, args]) => {
    // Each argument is `name type`: the type is what identifies the function.
    const types = args.split(',').map((arg) => arg.trim().split(/\s+/).slice(1).join(' '));
    return `${name}(${types.join(', ')})`;
  });
}

/** Every function of the event_store schema: its regprocedure text and its definition. */
async function definitions(db: DataSource | EntityManager): Promise<Record<string, string>> {
  const rows = await db.query<Array<{ signature: string; definition: string }>>(
    `SELECT p.oid::regprocedure::text AS signature, pg_get_functiondef(p.oid) AS definition
       FROM pg_proc p WHERE p.pronamespace = 'event_store'::regnamespace ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.signature, row.definition]));
}

async function createDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());
}

async function migrated(url: string, migrations: Array<(typeof eventStoreMigrations)[number]>): Promise<DataSource> {
  await createDatabase(url);
  const db = await new DataSource({
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: 'event_store_migrations',
  }).initialize();
  await db.runMigrations({ transaction: 'each' });
  return db;
}

describe('the append functions of a migrated event store', () => {
  const url = freshDatabaseUrl('es_append_sql');
  const previousUrl = freshDatabaseUrl('es_append_sql_previous');
  let db: DataSource;
  let previous: DataSource;
  let sourceSignatures: string[];

  beforeAll(async () => {
    db = await migrated(url, eventStoreMigrations);
    previous = await migrated(previousUrl, eventStoreMigrations.slice(0, -1));
    sourceSignatures = await Promise.all(
      signaturesInSource(SOURCE).map(async (signature) => {
        const [row] = await queryDatabase<{ signature: string | null }>(
          url,
          'SELECT to_regprocedure($1)::text AS signature',
          [signature],
        );
        if (!row.signature) throw new Error(`${signature} is in append.sql but not in the migrated database`);
        return row.signature;
      }),
    );
  });

  afterAll(async () => {
    await db?.destroy();
    await previous?.destroy();
    await dropDatabase(url);
    await dropDatabase(previousUrl);
  });

  it('is the text the latest migration that installs it was released with', () => {
    // A changed append.sql reaches existing databases only through a new migration.
    expect(sha256OfSql(SOURCE)).toBe(RELEASED_APPEND_SQL_SHA256);
  });

  it('finds the functions the event store calls in the source', () => {
    expect(sourceSignatures).toEqual(
      expect.arrayContaining([
        'event_store.append_batch(jsonb,boolean,boolean)',
        'event_store.append_batch_sequential(jsonb,boolean)',
      ]),
    );
  });

  it('runs exactly the bodies of the source', async () => {
    const live = await definitions(db);
    // Installing the source again changes nothing when the database already runs it.
    const runner = db.createQueryRunner();
    let fromSource: Record<string, string>;
    try {
      await runner.startTransaction();
      await runner.query(SOURCE);
      fromSource = await definitions(runner.manager);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    for (const signature of sourceSignatures) {
      expect({ signature, definition: live[signature] }).toEqual({ signature, definition: fromSource[signature] });
    }
    expect(live).toEqual(fromSource);
  });

  it('puts back the bodies of the migrations before when the latest is undone, and the source when redone', async () => {
    const before = await definitions(previous);
    const live = await definitions(db);
    await db.undoLastMigration({ transaction: 'each' });
    try {
      expect(await definitions(db)).toEqual(before);
    } finally {
      await db.runMigrations({ transaction: 'each' });
    }
    expect(await definitions(db)).toEqual(live);
  });
});
