import {
  type AppendRequest,
  type AppendResponse,
  ErrorCode,
  EventoError,
  EventStoreContracts,
  type OrderingMode,
  SystemContracts,
} from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, queryDatabase, TEST_SUBJECT_PREFIX, waitFor } from '@evento/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { entryOf, ensureBuilt } from '../support/app-process';
import { type RunningApp, startApp } from '../support/apps';
import { connectNats, event, MODES, type Nats } from './support';

/**
 * An event-store process killed with SIGKILL in the middle of a stream of appends never
 * acknowledges an append it did not commit: every acknowledged event is stored, every other
 * append fails on the client (timeout or no responder) and is stored whole or not at all, and
 * retrying those with the same event ids on a fresh instance stores each event exactly once.
 */

const ROOT = join(__dirname, '..', '..');
const ENTRY = entryOf('event-store');
const WRITERS = 20;
const REQUEST_TIMEOUT_MS = 2_000;

jest.setTimeout(60_000);

beforeAll(async () => {
  await ensureBuilt('event-store');
  expect(existsSync(ENTRY)).toBe(true);
}, 120_000);

interface Attempt {
  request: AppendRequest;
  reply?: AppendResponse;
  error?: unknown;
}

describe.each(MODES)('an event-store killed during appends in %s mode', (mode: OrderingMode) => {
  const url = freshDatabaseUrl(`es_crash_${mode}`);
  let nats: Nats;
  let child: ChildProcess | undefined;
  let childExit: Promise<unknown> | undefined;
  let output = '';
  let fresh: RunningApp | undefined;

  beforeAll(async () => {
    nats = await connectNats();
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await childExit;
    await fresh?.app.close();
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  function spawnEventStore(): void {
    child = spawn(process.execPath, [ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        HTTP_PORT: '0',
        DATABASE_URL: url,
        EVENT_STORE_MODE: mode,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        NATS_SUBJECT_PREFIX: TEST_SUBJECT_PREFIX,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const spawned = child;
    childExit = new Promise((resolve) => spawned.once('close', resolve));
  }

  async function storedEvents(): Promise<Map<string, string>> {
    const rows = await queryDatabase<{ event_id: string; position: string }>(
      url,
      'SELECT event_id, position::text AS position FROM "event_store"."events"',
    );
    return new Map(rows.map((row) => [row.event_id, row.position]));
  }

  it('never acknowledges an append it did not store, and retries store each event once', async () => {
    spawnEventStore();
    await waitFor(
      async () => {
        if (child!.exitCode !== null) throw new Error(`event-store exited early:\n${output}`);
        try {
          await nats.client.request(SystemContracts.ping['event-store'], {}, { timeoutMs: 500 });
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the event-store process to answer pings' },
    );

    const attempts: Attempt[] = [];
    let killed = false;
    const writer = async (w: number) => {
      const aggregateId = w % 2 === 0 ? `crash-agg-${w}` : undefined;
      let version = 0;
      for (let n = 0; !killed; n++) {
        const request: AppendRequest = {
          events: [event(`crash-${w}-${n}-a`, 'Streamed', { w, n }), event(`crash-${w}-${n}-b`, 'Streamed', { w, n })],
        };
        if (aggregateId) Object.assign(request, { aggregateId, expectedVersion: version });
        const attempt: Attempt = { request };
        attempts.push(attempt);
        try {
          attempt.reply = await nats.client.request(EventStoreContracts.append, request, {
            timeoutMs: REQUEST_TIMEOUT_MS,
          });
          version = attempt.reply.version;
        } catch (error) {
          attempt.error = error;
          return;
        }
      }
    };
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    // Conditions, not times: a loaded machine may answer every append before a kill at a fixed
    // moment lands. First some appends are acknowledged; then a table lock holds the next ones
    // inside Postgres, so the kill lands while the store has appends it has not answered.
    await waitFor(() => attempts.filter((a) => a.reply).length >= 2 * WRITERS, {
      timeoutMs: 30_000,
      what: 'the writers to have appends acknowledged',
    });
    const blocker = new Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE "event_store"."events" IN SHARE MODE');
      await waitFor(
        async () => {
          const waiting = await queryDatabase<{ n: number }>(
            url,
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%append_batch%'`,
          );
          return waiting[0].n > 0;
        },
        { timeoutMs: 30_000, what: 'an append to wait inside Postgres' },
      );
      killed = true;
      child!.kill('SIGKILL');
      await childExit;
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await writing;
    // The dead process's sessions may still commit what they held; read the log once they are gone.
    await waitFor(
      async () => {
        const others = await queryDatabase<{ n: number }>(
          url,
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        return others[0].n === 0;
      },
      { timeoutMs: 30_000, what: 'the killed process to leave Postgres' },
    );
    expect(child!.signalCode).toBe('SIGKILL');

    const acked = attempts.filter((a) => a.reply);
    const failed = attempts.filter((a) => !a.reply);
    expect(acked.length).toBeGreaterThan(WRITERS);
    expect(failed.length).toBeGreaterThan(0);
    // Every failure is a transport failure the client sees as such, never a wrong answer.
    for (const { error } of failed) {
      expect(error).toBeInstanceOf(EventoError);
      expect([ErrorCode.DEADLINE_EXCEEDED, ErrorCode.UNAVAILABLE]).toContain((error as EventoError).code);
    }

    // Acknowledged means stored, at the positions the acknowledgement gave.
    const stored = await storedEvents();
    for (const { request, reply } of acked) {
      expect(request.events.map((e) => stored.get(e.eventId))).toEqual(reply!.positions);
      expect(reply!.duplicate).toBe(false);
    }
    // An unacknowledged append is stored whole or not at all.
    for (const { request } of failed) {
      const present = request.events.filter((e) => stored.has(e.eventId)).length;
      expect([0, request.events.length]).toContain(present);
    }
    // Nothing stored that nobody tried to append.
    const attempted = new Set(attempts.flatMap((a) => a.request.events.map((e) => e.eventId)));
    expect([...stored.keys()].filter((id) => !attempted.has(id))).toEqual([]);

    // A fresh instance takes over; the writers retry what they could not see acknowledged.
    fresh = await startApp('event-store', { DATABASE_URL: url, EVENT_STORE_MODE: mode });
    for (const { request } of failed) {
      const storedBefore = stored.get(request.events[0].eventId);
      const reply = await nats.client.request(EventStoreContracts.append, request);
      if (storedBefore) {
        expect(reply).toMatchObject({ duplicate: true, positions: request.events.map((e) => stored.get(e.eventId)) });
      } else {
        expect(reply.duplicate).toBe(false);
      }
    }
    const counts = await queryDatabase<{ event_id: string; copies: number }>(
      url,
      'SELECT event_id, count(*)::int AS copies FROM "event_store"."events" GROUP BY event_id',
    );
    expect(counts.filter((row) => row.copies !== 1)).toEqual([]);
    expect(new Set(counts.map((row) => row.event_id))).toEqual(attempted);
    // The aggregates' versions stayed contiguous through the crash and the retries.
    const gaps = await queryDatabase(
      url,
      `SELECT aggregate_id FROM "event_store"."events" WHERE aggregate_id IS NOT NULL GROUP BY aggregate_id
       HAVING count(*) <> max(aggregate_version) OR min(aggregate_version) <> 1`,
    );
    expect(gaps).toEqual([]);
  });
});
