import { Requires } from '@evento/platform';
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DashboardDto } from './dashboard.dto';
import { DashboardService } from './dashboard.service';

@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardHttpController {
  constructor(private readonly dashboard: DashboardService) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({
    summary: 'Counts: bundles, instances by status, components by type, payloads by kind, consumers',
  })
  counts(): Promise<DashboardDto> {
    return this.dashboard.dashboard();
  }
}
