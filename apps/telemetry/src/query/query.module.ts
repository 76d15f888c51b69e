import { Module } from '@nestjs/common';
import { IngestionModule } from '../ingestion/ingestion.module';
import { ModelModule } from '../model/model.module';
import { StorageModule } from '../storage/storage.module';
import { PerformanceHttpController } from './performance.http.controller';
import { PerformanceService } from './performance.service';
import { StatsMessageController } from './stats.message.controller';

/** The query API: series, breakdowns, resources, the dashboard, and the model and ingestion views. */
@Module({
  imports: [StorageModule, ModelModule, IngestionModule],
  controllers: [PerformanceHttpController, StatsMessageController],
  providers: [PerformanceService],
})
export class QueryModule {}
