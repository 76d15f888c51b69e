import { Inject, Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

/** Injection token of the app's name, used as the `app` label of every metric. */
export const METRICS_APP_NAME = Symbol('METRICS_APP_NAME');

/** Buckets in seconds for request latencies, from 0.5 ms to 30 s (the default deadline). */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

/**
 * The app's Prometheus registry. Each app has its own (several apps can share a process in
 * tests), labelled with the app's name; metrics are created once and shared by name.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(@Inject(METRICS_APP_NAME) app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry, prefix: 'evento_' });
  }

  histogram<L extends string>(options: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return this.existing(options.name, Histogram<L>) ?? new Histogram<L>({ ...options, registers: [this.registry] });
  }

  counter<L extends string>(options: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return this.existing(options.name, Counter<L>) ?? new Counter<L>({ ...options, registers: [this.registry] });
  }

  gauge<L extends string>(options: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return this.existing(options.name, Gauge<L>) ?? new Gauge<L>({ ...options, registers: [this.registry] });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private existing<M>(name: string, kind: abstract new (...args: never[]) => M): M | undefined {
    const metric = this.registry.getSingleMetric(name);
    if (metric === undefined) return undefined;
    if (!(metric instanceof kind)) throw new Error(`Metric ${name} already exists with another type`);
    return metric;
  }
}
