import { BundleStatsRequest, type BundleStatsResult, TelemetryContracts } from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PerformanceService } from './performance.service';

@Controller()
export class StatsMessageController {
  constructor(private readonly performance: PerformanceService) {}

  @MessagePattern(TelemetryContracts.bundleStats.subject)
  bundleStats(@Payload() request: BundleStatsRequest): Promise<BundleStatsResult> {
    return this.performance.bundleStats(request);
  }
}
