import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ClusterDto } from './dto/cluster.dto';
import { InstancesService } from './instances.service';

@ApiTags('cluster')
@ApiBearerAuth()
@Controller('cluster')
export class InstancesHttpController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @ApiOperation({ summary: 'Every instance with its status, location and lease (live, from Postgres)' })
  cluster(): Promise<ClusterDto> {
    return this.instances.cluster();
  }
}
