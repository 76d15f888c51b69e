import { EventStoreContracts, type FetchResponse, type OrderingMode } from '@evento/contracts';
import { dropDatabase, freshDatabaseUrl } from '@evento/testing';
import { EventsService } from '../../apps/event-store/src/events/events.service';
import { type RunningApp, startApp } from '../support/apps';
import { connectNats, event, MODES, type Nats, sleep } from './support';

/**
 * A fetch with waitMs waits for new events and returns as soon as one is appended, on the same
 * instance or on another one (woken by the appended notification over NATS). The instances
 * poll only every 5 s here, so a wake-up within 2 s can only come from a notification.
 */

const POLL_MS = 5_000;
const FAST_MS = 2_000;

jest.setTimeout(40_000);

describe.each(MODES)('waiting fetches in %s mode', (mode: OrderingMode) => {
  const url = freshDatabaseUrl(`es_wait_${mode}`);
  let nats: Nats;
  let a: RunningApp;
  let b: RunningApp;
  let closed = false;

  beforeAll(async () => {
    nats = await connectNats();
    const env = { DATABASE_URL: url, EVENT_STORE_MODE: mode, FETCH_POLL_MS: String(POLL_MS) };
    a = await startApp('event-store', env);
    b = await startApp('event-store', env);
  });

  afterAll(async () => {
    if (!closed) await Promise.all([a?.app.close(), b?.app.close()]);
    await nats?.nc.drain();
    await dropDatabase(url);
  });

  /**
   * The cursor after every event read so far. Not the head: in APES a committed event is only
   * readable once older transactions anywhere on the server end, so the head may lag.
   */
  let cursor = '';

  /** Starts a fetch, appends `delayMs` later, and returns the fetch's result and duration. */
  async function timed(fetching: () => Promise<FetchResponse>, append: () => Promise<unknown>, delayMs = 150) {
    const started = Date.now();
    const result = fetching();
    await sleep(delayMs);
    await append();
    const response = await result;
    return { response, ms: Date.now() - started - delayMs };
  }

  it('returns as soon as an event is appended, over NATS, five times in a row', async () => {
    for (let i = 0; i < 5; i++) {
      const { response, ms } = await timed(
        () => nats.client.request(EventStoreContracts.fetch, { after: cursor, waitMs: 20_000 }, { timeoutMs: 25_000 }),
        () => nats.client.request(EventStoreContracts.append, { events: [event(`nats-wake-${i}`, 'Woke')] }),
      );
      expect(response.events.map((e) => e.eventId)).toEqual([`nats-wake-${i}`]);
      expect(ms).toBeLessThan(FAST_MS);
      cursor = response.cursor;
    }
  });

  it('wakes a fetch waiting on one instance when the append is made on the other', async () => {
    // Straight to the services: the fetch is surely held by A and the append surely made by B,
    // so only the notification B publishes on NATS can wake A in time.
    const onA = a.app.get(EventsService);
    const onB = b.app.get(EventsService);
    for (let i = 0; i < 5; i++) {
      const { response, ms } = await timed(
        () => onA.fetch({ after: cursor, waitMs: 20_000 }),
        () => onB.append({ events: [event(`cross-wake-${i}`, 'Woke')] }),
      );
      expect(response.events.map((e) => e.eventId)).toEqual([`cross-wake-${i}`]);
      expect(ms).toBeLessThan(FAST_MS);
      cursor = response.cursor;
    }
  });

  it('does not return events of another context or name to a filtered fetch', async () => {
    const after = cursor;
    const started = Date.now();
    const waiting = nats.client.request(
      EventStoreContracts.fetch,
      { after, context: 'orders', eventNames: ['OrderPlaced'], waitMs: 1_500 },
      { timeoutMs: 10_000 },
    );
    await sleep(200);
    await nats.client.request(EventStoreContracts.append, {
      events: [{ ...event('bill-1', 'OrderPlaced'), context: 'billing' }],
    });
    await nats.client.request(EventStoreContracts.append, {
      events: [{ ...event('order-cancel-1', 'OrderCancelled'), context: 'orders' }],
    });
    const response = await waiting;
    expect(response).toEqual({ events: [], cursor: after });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
  });

  it('wakes a filtered fetch for a matching event only', async () => {
    const after = cursor;
    const { response, ms } = await timed(
      () =>
        nats.client.request(
          EventStoreContracts.fetch,
          { after, context: 'orders', eventNames: ['OrderPlaced'], waitMs: 20_000 },
          { timeoutMs: 25_000 },
        ),
      async () => {
        await nats.client.request(EventStoreContracts.append, {
          events: [{ ...event('bill-2', 'OrderPlaced'), context: 'billing' }],
        });
        await nats.client.request(EventStoreContracts.append, {
          events: [
            { ...event('order-cancel-2', 'OrderCancelled'), context: 'orders' },
            { ...event('order-placed-2', 'OrderPlaced'), context: 'orders' },
          ],
        });
      },
    );
    expect(response.events.map((e) => e.eventId)).toEqual(['order-placed-2']);
    expect(ms).toBeLessThan(FAST_MS);
  });

  it('answers at once when events are already there', async () => {
    const started = Date.now();
    const response = await nats.client.request(
      EventStoreContracts.fetch,
      { after: '', waitMs: 20_000, limit: 3 },
      { timeoutMs: 25_000 },
    );
    expect(response.events).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(FAST_MS);
  });

  it('answers a waiting fetch at once when its instance shuts down', async () => {
    // Read up to the end first (the filtered tests' events are still ahead of the cursor).
    for (;;) {
      const page = await nats.client.request(EventStoreContracts.fetch, { after: cursor, waitMs: 1_000 });
      if (page.events.length === 0) break;
      cursor = page.cursor;
    }
    const waiting = nats.client.request(
      EventStoreContracts.fetch,
      { after: cursor, waitMs: 20_000 },
      { timeoutMs: 25_000 },
    );
    await sleep(150);
    const started = Date.now();
    closed = true;
    await Promise.all([a.app.close(), b.app.close()]);
    // The fetch did not hold the shutdown until the drain timeout, and got an answer, not silence.
    expect(Date.now() - started).toBeLessThan(FAST_MS);
    expect(await waiting).toEqual({ events: [], cursor });
  });
});
