import { Module } from '@nestjs/common';
import { PartitionMaintainer } from './partition.maintainer';
import { PartitionsRepository } from './partitions.repository';
import { PerformanceRepository } from './performance.repository';
import { RollupFlusher } from './rollup.flusher';
import { RollupsRepository } from './rollups.repository';

/** The telemetry tables: rollups flushed in, day partitions kept and dropped, reads for the query API and the model. */
@Module({
  providers: [RollupsRepository, RollupFlusher, PartitionsRepository, PartitionMaintainer, PerformanceRepository],
  exports: [RollupFlusher, PerformanceRepository],
})
export class StorageModule {}
