import { Module } from '@nestjs/common';
import { GatewayMetrics } from './gateway-metrics.service';

/** Per-phase histograms at /metrics and per-request samples batched to telemetry. */
@Module({
  providers: [GatewayMetrics],
  exports: [GatewayMetrics],
})
export class GatewayMetricsModule {}
