import type { RoutingTableResponse } from '@evento/contracts';
import { Requires } from '@evento/platform';
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RoutingService } from './routing.service';

@ApiTags('routing')
@Controller('routing')
export class RoutingHttpController {
  constructor(private readonly routing: RoutingService) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({ summary: 'The routing table: each command and query with the available instances of its bundle' })
  table(): Promise<RoutingTableResponse> {
    return this.routing.table();
  }
}
