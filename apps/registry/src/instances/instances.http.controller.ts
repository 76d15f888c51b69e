import { Requires } from '@evento/platform';
import { Controller, Get, type MessageEvent, Sse } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { ClusterStream } from './cluster.stream';
import type { ClusterDto } from './dto/cluster.dto';
import { InstancesService } from './instances.service';

@ApiTags('cluster')
@Controller('cluster')
export class InstancesHttpController {
  constructor(
    private readonly instances: InstancesService,
    private readonly stream: ClusterStream,
  ) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({ summary: 'Every instance with its status, location and lease (live, from Postgres)' })
  cluster(): Promise<ClusterDto> {
    return this.instances.cluster();
  }

  @Requires('viewer')
  @Sse('stream')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Server-Sent Events: a `snapshot` of the cluster, then a `routing.changed` event per change',
  })
  clusterStream(): Observable<MessageEvent> {
    return this.stream.events();
  }
}
