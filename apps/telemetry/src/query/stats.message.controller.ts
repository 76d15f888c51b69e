import { BundleStatsRequest, type BundleStatsResult, TelemetryContracts } from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { PerformanceService } from './performance.service';

@Controller()
export class StatsMessageController {
  constructor(private readonly performance: PerformanceService) {}

  @Serve(TelemetryContracts.bundleStats)
  bundleStats(request: BundleStatsRequest): Promise<BundleStatsResult> {
    return this.performance.bundleStats(request);
  }
}
