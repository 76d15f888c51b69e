import { type BundleStatsResult, TelemetryContracts } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { exactQuantile, HISTOGRAM_RELATIVE_ERROR } from '../../apps/telemetry/src/rollups/log-histogram';
import { useApps } from '../support/apps';
import { FAST_FLUSH, sample, SimulatedBundle } from './support';

jest.setTimeout(60_000);

describe('telemetry bundle stats (the scaler rules subject)', () => {
  const suite = useApps('telemetry', { label: 'telemetry_stats', env: FAST_FLUSH });
  const stats = (body: unknown) => suite.client.request(TelemetryContracts.bundleStats, body as never);

  it('answers p95 over the window, per component, and the highest consumer lag', async () => {
    const bundle = new SimulatedBundle(suite.nc, 'billing');
    const now = Date.now();
    const durations = Array.from({ length: 100 }, (_, i) => (i + 1) * 3);
    bundle.sendSamples(durations.map((ms, i) => sample({ startedAt: now - 2_000 + i, durationMs: ms })));
    bundle.sendSamples([sample({ component: 'Fast', startedAt: now - 1_000, durationMs: 1 })]);
    // Outside a 60 s window, it must not count.
    bundle.sendSamples([sample({ startedAt: now - 10 * 60_000, durationMs: 50_000 })]);
    const resources = { cpuPercent: 1, rssBytes: 1, heapUsedBytes: 1, eventLoopDelayMs: 1, inFlight: 0 };
    bundle.send({
      resources: {
        ...resources,
        consumers: [
          { consumerId: 'a', lag: 7 },
          { consumerId: 'b', lag: 42 },
        ],
      },
    });
    new SimulatedBundle(suite.nc, 'billing', 'billing-2').send({ resources: { ...resources, consumers: [] } });
    new SimulatedBundle(suite.nc, 'other').send({
      resources: { ...resources, consumers: [{ consumerId: 'a', lag: 900 }] },
    });

    let all: BundleStatsResult | undefined;
    await waitFor(
      async () => {
        all = await stats({ bundleId: 'billing', windowMs: 60_000 });
        return all.count === 101 && all.maxConsumerLag !== null;
      },
      { timeoutMs: 10_000, what: 'flushed rollups' },
    );
    expect(all).toEqual(
      expect.objectContaining({ bundleId: 'billing', windowMs: 60_000, count: 101, maxConsumerLag: 42 }),
    );
    const exact = exactQuantile([...durations, 1], 0.95);
    expect(Math.abs(all!.p95ServiceTimeMs! - exact) / exact).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);

    const fast = await stats({ bundleId: 'billing', component: 'Fast', windowMs: 60_000 });
    expect(fast).toEqual(expect.objectContaining({ count: 1, p95ServiceTimeMs: 1 }));
    const wide = await stats({ bundleId: 'billing', windowMs: 3_600_000 });
    expect(wide.count).toBe(102);
    expect(wide.p95ServiceTimeMs).toBeGreaterThan(all!.p95ServiceTimeMs! * 0.99);

    const none = await stats({ bundleId: 'nobody', windowMs: 5_000 });
    expect(none).toEqual({
      bundleId: 'nobody',
      windowMs: 5_000,
      count: 0,
      p95ServiceTimeMs: null,
      maxConsumerLag: null,
    });
  });

  it('refuses bad requests with a validation error', async () => {
    for (const body of [
      { bundleId: 'billing', windowMs: 999 },
      { bundleId: 'billing', windowMs: 3_600_001 },
      { bundleId: 'billing', windowMs: 1.5e3 + 0.5 },
      { bundleId: 'bad id', windowMs: 5_000 },
      { bundleId: 'billing', component: 'a b', windowMs: 5_000 },
      { windowMs: 5_000 },
    ]) {
      await expect(stats(body)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });
});
