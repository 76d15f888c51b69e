import { epochMs, isoTimestamp } from '@evento/platform';
import { TEST_POSTGRES_URL } from '@evento/testing';
import { Client } from 'pg';

/**
 * Repositories convert timestamps in SQL so rows arrive ready to send; the text and numbers
 * must be exactly what `Date` made of the same column before.
 */
describe('the SQL fragments repositories select with', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  // Every millisecond digit, with microseconds that must be truncated, not rounded, plus
  // day, year and offset boundaries.
  const instants = [
    ...Array.from({ length: 1000 }, (_, ms) => `2026-11-22 10:04:05.${String(ms).padStart(3, '0')}999+00`),
    '2026-11-22 10:04:05+00',
    '1999-12-31 23:59:59.999999+00',
    '2000-01-01 01:30:00.5-03:30',
    '2026-02-28 23:00:00.000001+14',
  ];

  it('writes a timestamptz as Date.prototype.toISOString() does, and NULL as NULL', async () => {
    const { rows } = await client.query<{ t: Date; iso: string | null }>(
      `SELECT t, ${isoTimestamp('t')} AS iso FROM unnest($1::timestamptz[]) AS u(t)
       UNION ALL SELECT NULL, ${isoTimestamp('NULL::timestamptz')}`,
      [instants],
    );
    expect(rows).toHaveLength(instants.length + 1);
    for (const row of rows) expect(row.iso).toBe(row.t === null ? null : row.t.toISOString());
  });

  it('counts a timestamptz in milliseconds as Date.prototype.getTime() does', async () => {
    const { rows } = await client.query<{ t: Date; ms: number }>(
      `SELECT t, ${epochMs('t')} AS ms FROM unnest($1::timestamptz[]) AS u(t)`,
      [instants],
    );
    expect(rows).toHaveLength(instants.length);
    for (const row of rows) expect(row.ms).toBe(row.t.getTime());
  });
});
