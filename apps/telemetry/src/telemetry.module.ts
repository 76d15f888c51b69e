import { Module } from '@nestjs/common';
import { IngestionMessageController } from './ingestion/ingestion.message.controller';
import { IngestionService } from './ingestion/ingestion.service';
import { HandlerMetrics } from './metrics/handler-metrics';
import { ModelMessageController } from './model/model.message.controller';
import { ModelService } from './model/model.service';
import { PerformanceHttpController } from './query/performance.http.controller';
import { PerformanceRepository } from './query/performance.repository';
import { PerformanceService } from './query/performance.service';
import { StatsMessageController } from './query/stats.message.controller';
import { PartitionMaintainer } from './storage/partition.maintainer';
import { PartitionsRepository } from './storage/partitions.repository';
import { RollupFlusher } from './storage/rollup.flusher';
import { RollupsRepository } from './storage/rollups.repository';

/** Ingestion, rollups, partitions and retention, the query API and the performance model. */
@Module({
  controllers: [PerformanceHttpController, ModelMessageController, StatsMessageController, IngestionMessageController],
  providers: [
    RollupsRepository,
    PartitionsRepository,
    PartitionMaintainer,
    RollupFlusher,
    HandlerMetrics,
    IngestionService,
    PerformanceRepository,
    PerformanceService,
    ModelService,
  ],
})
export class TelemetryModule {}
