import { APP_NAMES, EventStoreContracts, TelemetryContracts } from '@evento/contracts';
import {
  connectTestNats,
  dropDatabase,
  freshDatabaseUrl,
  parsePrometheusText,
  type PrometheusFamily,
} from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type RunningApp, startApp } from './support/apps';

const family = (families: PrometheusFamily[], name: string) => families.find((f) => f.name === name);
const value = (families: PrometheusFamily[], name: string, labels: Record<string, string>) =>
  families
    .flatMap((f) => f.samples)
    .find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

// The projects' testTimeout is not applied per project by Jest, and booting five apps on a
// busy machine takes longer than its 5 s default.
jest.setTimeout(60_000);

describe('/metrics on every app', () => {
  const url = freshDatabaseUrl('metrics');
  const running = new Map<string, RunningApp>();
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connectTestNats();
    for (const name of APP_NAMES) {
      running.set(
        name,
        // A small pool each: five apps share a Postgres that other test runs use too.
        await startApp(name, { DATABASE_URL: url, DATABASE_POOL_SIZE: '2', TELEMETRY_FLUSH_MS: '100' }),
      );
    }
    // Some traffic, so the histograms and the rejected-input counters have series.
    await nc.request(EventStoreContracts.append.subject, JSON.stringify({ events: [] }), { timeout: 3000 });
    const appended = await nc.request(
      EventStoreContracts.append.subject,
      JSON.stringify({ events: [{ eventId: 'e1', eventName: 'Happened', payload: {} }] }),
      { timeout: 3000 },
    );
    expect(appended.string()).toContain('"positions"');
    await nc.request(EventStoreContracts.fetch.subject, JSON.stringify({ limit: 10 }), { timeout: 3000 });
    nc.publish(
      TelemetryContracts.bundleSamples.subject,
      JSON.stringify({
        bundleId: 'b',
        instanceId: 'b-1',
        samples: [{ component: 'C', handler: 'h', payload: 'P', startedAt: Date.now(), durationMs: 3, outcome: 'ok' }],
      }),
    );
    await nc.flush();
    for (const app of running.values()) await fetch(`${app.url}/no-such-route`);
  });

  afterAll(async () => {
    await Promise.all([...running.values()].map((app) => app.app.close()));
    await nc.drain();
    await dropDatabase(url);
  });

  it.each(APP_NAMES)('%s serves valid Prometheus text with NATS, pool and rejected-input metrics', async (name) => {
    const app = running.get(name)!;
    let families: PrometheusFamily[] = [];
    // The telemetry sample is published fire-and-forget; give it a moment to land.
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const response = await fetch(`${app.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      families = parsePrometheusText(await response.text());
      if (name !== 'telemetry' || family(families, 'evento_bundle_handler_duration_seconds')?.samples.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(value(families, 'evento_nats_messages_in_total', { connection: 'client' })).toBeGreaterThanOrEqual(0);
    expect(value(families, 'evento_nats_bytes_out_total', { connection: 'client' })).toBeGreaterThanOrEqual(0);
    expect(value(families, 'evento_nats_reconnects_total', { connection: 'client' })).toBe(0);
    expect(value(families, 'evento_nats_connected', { connection: 'client' })).toBe(1);
    expect(value(families, 'evento_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(value(families, 'evento_db_pool_max', {})).toBe(2);
    expect(value(families, 'evento_http_client_errors_total', { status: '404', code: 'NOT_FOUND' })).toBe(1);
    for (const f of families) expect(f.samples.every((s) => s.labels.app === name)).toBe(true);

    if (name === 'event-store') {
      expect(
        value(families, 'evento_nats_error_replies_total', {
          subject: EventStoreContracts.append.subject,
          code: 'VALIDATION_FAILED',
        }),
      ).toBe(1);
      expect(value(families, 'evento_event_store_append_seconds_count', { outcome: 'ok' })).toBe(1);
      expect(value(families, 'evento_event_store_fetch_seconds_count', { outcome: 'events', waited: 'false' })).toBe(1);
      // The two appends and the fetch came in on the app's one connection.
      expect(value(families, 'evento_nats_messages_in_total', { connection: 'client' })).toBeGreaterThanOrEqual(3);
    }
    if (name === 'telemetry') {
      expect(
        value(families, 'evento_bundle_handler_duration_seconds_count', { bundle: 'b', component: 'C', handler: 'h' }),
      ).toBe(1);
      expect(value(families, 'evento_telemetry_entries_accepted_total', { kind: 'handler' })).toBe(1);
    }
  });
});
