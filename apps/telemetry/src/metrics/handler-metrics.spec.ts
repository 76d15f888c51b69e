import { MetricsService } from '@evento/platform';
import type { TelemetryConfig } from '../config/telemetry.config';
import { HandlerMetrics, OVERFLOW_LABEL } from './handler-metrics';

describe('HandlerMetrics', () => {
  it('creates at most the configured label sets and folds the rest into "_other"', async () => {
    const metrics = new MetricsService('telemetry');
    const handlers = new HandlerMetrics(metrics, { TELEMETRY_METRIC_SERIES_LIMIT: 2 } as TelemetryConfig);
    handlers.observe('a', 'C', 'h1', 5, false);
    handlers.observe('a', 'C', 'h2', 5, true);
    handlers.observe('a', 'C', 'h3', 5, true);
    handlers.observe('b', 'D', 'h4', 5, false);
    handlers.observe('a', 'C', 'h1', 5, false);

    const counts = (await metrics.registry.getSingleMetric('evento_bundle_handler_duration_seconds')!.get()).values
      .filter((v) => (v as { metricName?: string }).metricName === 'evento_bundle_handler_duration_seconds_count')
      .map((v) => [v.labels.handler, v.value]);
    expect(counts).toEqual([
      ['h1', 2],
      ['h2', 1],
      [OVERFLOW_LABEL, 2],
    ]);
    const overflow = await metrics.registry.getSingleMetric('evento_telemetry_metric_series_overflow_total')!.get();
    expect(overflow.values[0].value).toBe(2);
    const errors = await metrics.registry.getSingleMetric('evento_bundle_handler_errors_total')!.get();
    expect(errors.values.map((v) => [v.labels.handler, v.value])).toEqual([
      ['h2', 1],
      [OVERFLOW_LABEL, 1],
    ]);
  });
});
