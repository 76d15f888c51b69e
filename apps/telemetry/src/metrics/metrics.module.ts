import { Module } from '@nestjs/common';
import { HandlerMetrics } from './handler-metrics';

/** Handler service times and counts as Prometheus metrics at /metrics. */
@Module({
  providers: [HandlerMetrics],
  exports: [HandlerMetrics],
})
export class TelemetryMetricsModule {}
