import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

/** Postgres server the tests use; the same default as the apps. */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A URL for a database no one else uses; the app under test creates it at boot. */
export function freshDatabaseUrl(label = 'test'): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/evento_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

/** Drops a test database, closing whatever connections are still open to it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name.startsWith('evento_')) throw new Error(`Refusing to drop ${name}: not a test database`);
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Runs one query against the given database. */
export async function queryDatabase<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
