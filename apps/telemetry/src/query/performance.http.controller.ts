import type { AnalysisResult } from '@evento/contracts';
import { Requires } from '@evento/platform';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IngestionService } from '../ingestion/ingestion.service';
import { ModelService } from '../model/model.service';
import { AnalysisBodyDto } from './dto/analysis.dto';
import {
  CommandsQueryDto,
  DashboardQueryDto,
  FlowsQueryDto,
  ResourcesQueryDto,
  SeriesQueryDto,
} from './dto/performance.query.dto';
import { PerformanceService } from './performance.service';

@ApiTags('performance')
@Controller('performance')
export class PerformanceHttpController {
  constructor(
    private readonly performance: PerformanceService,
    private readonly model: ModelService,
    private readonly ingestion: IngestionService,
  ) {}

  @Requires('viewer')
  @Get('series')
  @ApiOperation({
    summary: 'Time series of a component or handler: count, throughput, mean and p50/p95/p99 service time, error rate',
  })
  series(@Query() query: SeriesQueryDto) {
    return this.performance.series(query);
  }

  @Requires('viewer')
  @Get('commands')
  @ApiOperation({ summary: 'Per-command (and query) breakdown measured by the gateway: wait, load, bundle, append' })
  commands(@Query() query: CommandsQueryDto) {
    return this.performance.commands(query);
  }

  @Requires('viewer')
  @Get('resources')
  @ApiOperation({ summary: 'Resource usage per instance: CPU, memory, event-loop delay, in-flight work, consumer lag' })
  resources(@Query() query: ResourcesQueryDto) {
    return this.performance.resources(query);
  }

  @Requires('viewer')
  @Get('dashboard')
  @ApiOperation({ summary: 'Slowest handlers, highest error rates and busiest bundles over an interval' })
  dashboard(@Query() query: DashboardQueryDto) {
    return this.performance.dashboard(query);
  }

  @Requires('viewer')
  @Get('flows')
  @ApiOperation({
    summary: 'The flow graph: handlers, gateway and event store as stations, edges with probabilities, entry points',
  })
  flows(@Query() query: FlowsQueryDto) {
    return this.model.flows(query.windowMinutes);
  }

  @Requires('viewer')
  @Post('analysis')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Queueing analysis for given arrival rates: utilisation, waits, bottleneck per flow, instances needed',
  })
  analysis(@Body() body: AnalysisBodyDto): Promise<AnalysisResult> {
    return this.model.analyse(body);
  }

  @Requires('viewer')
  @Get('ingestion')
  @ApiOperation({ summary: 'Telemetry entries accepted and refused (by reason) per sender, on this replica' })
  ingestionStats() {
    return this.ingestion.senderStats();
  }
}
