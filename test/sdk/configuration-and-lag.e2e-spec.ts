import {
  type BundleTelemetryBatch,
  EventStoreContracts,
  instanceSubjects,
  TelemetryContracts,
} from '@evento/contracts';
import { type BundleConfigurationView, EventHandler, EventoBundle, Projector, ServiceEvent } from '@evento/sdk';
import { TEST_SUBJECT_PREFIX, waitFor } from '@evento/testing';
import { randomUUID } from 'node:crypto';
import { useSuite } from './support';

class MeterRead extends ServiceEvent {
  reading: number;
}

/** A projector whose handler waits for the test to open the gate: it falls behind the head. */
@Projector({ version: 1, context: 'meters' })
class SlowMeterProjector {
  handled = 0;
  private open = false;
  private waiters: Array<() => void> = [];

  @EventHandler()
  async onRead(_event: MeterRead): Promise<void> {
    if (!this.open) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.handled += 1;
  }

  release(): void {
    this.open = true;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

async function http(url: string, method: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('SDK: configuration changes reach the bundle, consumer lag reaches telemetry', () => {
  const suite = useSuite('sdk_config_lag', ['event-store', 'registry', 'telemetry'], {
    TELEMETRY_FLUSH_MS: '100',
    TELEMETRY_BUCKET_SECONDS: '10',
  });
  const bundles: EventoBundle[] = [];
  const registryUrl = () => suite.apps.get('registry')!.url;

  afterAll(async () => {
    await Promise.all(bundles.map((bundle) => bundle.stop()));
  });

  it('delivers every configuration change made over the registry HTTP API to the running bundle', async () => {
    const configurationUrl = `${registryUrl()}/bundles/configured/configuration`;
    await http(`${configurationUrl}/API_URL`, 'PUT', { value: 'https://one.example' });
    const fromOption: BundleConfigurationView[] = [];
    const bundle = new EventoBundle({
      bundleId: 'configured',
      bundleVersion: '1.0.0',
      ...suite.bundleConnection,
      components: [],
      logger: quiet,
      onConfiguration: (configuration) => void fromOption.push(configuration),
    });
    bundles.push(bundle);
    expect(bundle.configuration).toEqual({ version: 0, values: {} });
    await bundle.start();

    // The welcome's configuration: readable at once, and given to the option's callback.
    expect(bundle.configuration).toEqual({ version: 1, values: { API_URL: 'https://one.example' } });
    expect(fromOption).toEqual([{ version: 1, values: { API_URL: 'https://one.example' } }]);
    // The welcome names the subjects with the prefix; the SDK listens there, not prefixed twice.
    expect(bundle.session!.subjects).toEqual({
      requests: `${TEST_SUBJECT_PREFIX}.${instanceSubjects('configured', bundle.instanceId).requests}`,
      control: `${TEST_SUBJECT_PREFIX}.${instanceSubjects('configured', bundle.instanceId).control}`,
    });

    const changes: Array<{ current: BundleConfigurationView; previous: BundleConfigurationView }> = [];
    const unsubscribe = bundle.onConfiguration((current, previous) => void changes.push({ current, previous }));

    const set = await http(`${configurationUrl}/API_KEY`, 'PUT', { value: 'secret-value', secret: true });
    expect(set).toMatchObject({ version: 2, deliveredTo: [bundle.instanceId] });
    await waitFor(() => changes.length === 1, { what: 'the configuration change in the callback' });
    expect(changes[0]).toEqual({
      current: { version: 2, values: { API_URL: 'https://one.example', API_KEY: 'secret-value' } },
      previous: { version: 1, values: { API_URL: 'https://one.example' } },
    });
    expect(bundle.configuration).toEqual(changes[0].current);

    await http(`${configurationUrl}/API_URL`, 'DELETE');
    await waitFor(() => changes.length === 2, { what: 'the deletion in the callback' });
    expect(bundle.configuration).toEqual({ version: 3, values: { API_KEY: 'secret-value' } });

    // Older, foreign or malformed configuration messages change nothing.
    const control = instanceSubjects('configured', bundle.instanceId).control;
    for (const forged of [
      { type: 'configuration', bundleId: 'configured', version: 2, values: { OLD: 'x' } },
      { type: 'configuration', bundleId: 'someone-else', version: 9, values: { OTHER: 'x' } },
      { type: 'configuration', bundleId: 'configured', version: 10, values: { NUMBER: 5 } },
      { type: 'configuration', bundleId: 'configured', version: -1.5, values: {} },
      { type: 'configuration', bundleId: 'configured', values: {} },
    ]) {
      suite.nc.publish(control, JSON.stringify(forged));
    }
    await suite.nc.flush();
    unsubscribe();
    await http(`${configurationUrl}/MODE`, 'PUT', { value: 'fast' });
    // The bundle got MODE (version 4) and nothing forged; the unsubscribed callback did not.
    await waitFor(() => bundle.configuration.version === 4, { what: 'version 4 at the bundle' });
    expect(bundle.configuration).toEqual({ version: 4, values: { API_KEY: 'secret-value', MODE: 'fast' } });
    expect(changes).toHaveLength(2);
    expect(fromOption.map((configuration) => configuration.version)).toEqual([1, 2, 3, 4]);
  });

  it("reports each active consumer's lag behind the head in telemetry, as the scaler's rule reads it", async () => {
    const projector = new SlowMeterProjector();
    const bundle = new EventoBundle({
      bundleId: 'meters',
      bundleVersion: '1.0.0',
      ...suite.bundleConnection,
      components: [projector],
      consumers: { waitMs: 1_000, lockRetryMs: 200 },
      telemetry: { flushIntervalMs: 200 },
      logger: quiet,
    });
    bundles.push(bundle);
    const batches: BundleTelemetryBatch[] = [];
    const subscription = suite.nc.subscribe(TelemetryContracts.bundleSamples.subject, {
      callback: (_error, msg) => {
        const batch = msg.json<BundleTelemetryBatch>();
        if (batch.bundleId === 'meters') batches.push(batch);
      },
    });
    try {
      await bundle.start();
      const consumer = bundle.consumer('SlowMeterProjector')!;
      await waitFor(() => consumer.active, { what: 'the projector active' });

      const append = () =>
        suite.client.request(EventStoreContracts.append, {
          events: Array.from({ length: 25 }, (_, i) => ({
            eventId: randomUUID(),
            eventName: 'MeterRead',
            context: 'meters',
            payload: { reading: i },
          })),
        });
      const appended = await append();
      // The handler holds the first event: the 24 after it are behind, whatever comes next.
      await waitFor(
        async () => {
          const stats = await suite.client.request(TelemetryContracts.bundleStats, {
            bundleId: 'meters',
            windowMs: 60_000,
          });
          return (stats.maxConsumerLag ?? 0) >= 24;
        },
        { what: "telemetry's max consumer lag of the bundle at least 24", timeoutMs: 15_000 },
      );
      const lagging = batches.flatMap((batch) => batch.resources?.consumers ?? []);
      expect(lagging).toContainEqual({ consumerId: consumer.id, lag: expect.any(Number) as number });

      projector.release();
      await consumer.waitForPosition(appended.positions[appended.positions.length - 1]);
      expect(projector.handled).toBe(25);
      // Caught up: the next reports say so.
      const from = batches.length;
      await waitFor(
        () =>
          batches
            .slice(from)
            .some((batch) => batch.resources?.consumers?.some((c) => c.consumerId === consumer.id && c.lag === 0)),
        { what: 'a report with lag 0 after catching up' },
      );
    } finally {
      // Never leave the handler blocked: the bundle could not stop.
      projector.release();
      subscription.unsubscribe();
    }
  });
});
