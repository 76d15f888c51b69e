import { LATENCY_BUCKETS, MetricsService } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { TelemetryConfig } from '../config/telemetry.config';

/** The label value every series past the bound is folded into. */
export const OVERFLOW_LABEL = '_other';

/**
 * Per-bundle handler metrics for Prometheus. Labels are bundle, component and handler (not
 * payload, not instance) and at most TELEMETRY_METRIC_SERIES_LIMIT distinct label sets are
 * ever created per replica; samples of later label sets are counted under
 * bundle=component=handler="_other" and in evento_telemetry_metric_series_overflow_total.
 */
@Injectable()
export class HandlerMetrics {
  private readonly duration: Histogram<'bundle' | 'component' | 'handler'>;
  private readonly errors: Counter<'bundle' | 'component' | 'handler'>;
  private readonly overflow: Counter;
  private readonly known = new Set<string>();

  constructor(
    metrics: MetricsService,
    private readonly config: TelemetryConfig,
  ) {
    this.duration = metrics.histogram({
      name: 'evento_bundle_handler_duration_seconds',
      help: 'Handler service time reported by bundles',
      labelNames: ['bundle', 'component', 'handler'],
      buckets: [...LATENCY_BUCKETS],
    });
    this.errors = metrics.counter({
      name: 'evento_bundle_handler_errors_total',
      help: 'Handler executions that ended in an error, reported by bundles',
      labelNames: ['bundle', 'component', 'handler'],
    });
    this.overflow = metrics.counter({
      name: 'evento_telemetry_metric_series_overflow_total',
      help: 'Handler samples counted under "_other" because the label-set bound was reached',
    });
  }

  observe(bundle: string, component: string, handler: string, durationMs: number, error: boolean): void {
    let labels = { bundle, component, handler };
    const key = `${bundle}\u0000${component}\u0000${handler}`;
    if (!this.known.has(key)) {
      if (this.known.size < this.config.TELEMETRY_METRIC_SERIES_LIMIT) {
        this.known.add(key);
      } else {
        labels = { bundle: OVERFLOW_LABEL, component: OVERFLOW_LABEL, handler: OVERFLOW_LABEL };
        this.overflow.inc();
      }
    }
    this.duration.observe(labels, durationMs / 1000);
    if (error) this.errors.inc(labels);
  }
}
