import { Module } from '@nestjs/common';
import { ClusterClient } from './cluster.client';
import { TelemetryClient } from './telemetry.client';

/** What the scaler sees of the cluster: the registry's instances and telemetry's measures. */
@Module({
  providers: [ClusterClient, TelemetryClient],
  exports: [ClusterClient, TelemetryClient],
})
export class ObservationModule {}
