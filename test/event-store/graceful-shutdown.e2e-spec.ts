import {
  type AppendRequest,
  type AppendResponse,
  ErrorCode,
  EventoError,
  EventStoreContracts,
} from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl, queryDatabase } from '@evento/testing';
import { AppProcess, ensureBuilt } from '../support/app-process';
import { connectNats, event, type Nats, sleep } from './support';

/**
 * SIGTERM during a stream of appends (appends are served outside Nest's pipeline, so this
 * checks that path's own shutdown): the process stops taking appends, answers every one it
 * took, and exits cleanly. Callers see an acknowledgement (and the events are stored) or
 * "no responders", never silence until their timeout.
 */

const WRITERS = 16;

jest.setTimeout(60_000);

beforeAll(async () => {
  await ensureBuilt('event-store');
}, 120_000);

describe('an event-store stopped with SIGTERM during appends', () => {
  const url = freshDatabaseUrl('es_sigterm');
  let nats: Nats;
  let store: AppProcess | undefined;

  beforeAll(async () => {
    nats = await connectNats();
  });

  afterAll(async () => {
    await store?.kill();
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  it('answers every append it took, stores every acknowledged one, and exits 0', async () => {
    const instanceId = `sigterm-${process.pid}`;
    store = new AppProcess('event-store', { DATABASE_URL: url, INSTANCE_ID: instanceId });
    await store.ready(nats.client, instanceId);

    const acked: Array<{ request: AppendRequest; reply: AppendResponse }> = [];
    const failures: unknown[] = [];
    const writer = async (w: number) => {
      let version = 0;
      for (let n = 0; ; n++) {
        const request: AppendRequest = {
          aggregateId: `sigterm-${w}`,
          expectedVersion: version,
          events: [event(`sigterm-${w}-${n}`, 'Streamed', { w, n })],
        };
        try {
          const reply = await nats.client.request(EventStoreContracts.append, request, { timeoutMs: 5_000 });
          acked.push({ request, reply });
          version = reply.version;
        } catch (error) {
          failures.push(error);
          return;
        }
      }
    };
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await sleep(1_000);
    await store.stop();
    await writing;

    expect(store.exitCode).toBe(0);
    expect(acked.length).toBeGreaterThan(WRITERS);
    // Each writer ends on "no responders" once intake stopped, not on a timeout.
    expect(failures).toHaveLength(WRITERS);
    for (const error of failures) {
      expect(error).toBeInstanceOf(EventoError);
      expect((error as EventoError).code).toBe(ErrorCode.UNAVAILABLE);
    }
    const rows = await queryDatabase<{ event_id: string; position: string }>(
      url,
      'SELECT event_id, position::text AS position FROM "event_store"."events"',
    );
    const stored = new Map(rows.map((row) => [row.event_id, row.position]));
    for (const { request, reply } of acked) {
      expect(stored.get(request.events[0].eventId)).toBe(reply.positions[0]);
    }
    expect(stored.size).toBe(acked.length);
  });
});
