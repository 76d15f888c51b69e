import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsService } from './metrics.service';
import { Requires } from '../http/requires.decorator';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsHttpController {
  constructor(private readonly metrics: MetricsService) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics of this replica (text exposition format)' })
  @ApiProduces('text/plain')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.type(this.metrics.contentType);
    return this.metrics.text();
  }
}
