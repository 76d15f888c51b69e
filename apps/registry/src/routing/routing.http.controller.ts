import type { RoutingTableResponse } from '@evento/contracts';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RoutingService } from './routing.service';

@ApiTags('routing')
@ApiBearerAuth()
@Controller('routing')
export class RoutingHttpController {
  constructor(private readonly routing: RoutingService) {}

  @Get()
  @ApiOperation({ summary: 'The routing table: each command and query with the available instances of its bundle' })
  table(): Promise<RoutingTableResponse> {
    return this.routing.table();
  }
}
