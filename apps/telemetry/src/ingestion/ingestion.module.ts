import { Module } from '@nestjs/common';
import { TelemetryMetricsModule } from '../metrics/metrics.module';
import { StorageModule } from '../storage/storage.module';
import { IngestionMessageController } from './ingestion.message.controller';
import { IngestionService } from './ingestion.service';

/** Telemetry samples from bundles and gateways: checked, bounded per sender, rolled up. */
@Module({
  imports: [StorageModule, TelemetryMetricsModule],
  controllers: [IngestionMessageController],
  providers: [IngestionService],
  exports: [IngestionService],
})
export class IngestionModule {}
