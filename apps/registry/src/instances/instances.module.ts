import { Module } from '@nestjs/common';
import { ConfigurationModule } from '../configuration/configuration.module';
import { RoutingModule } from '../routing/routing.module';
import { ClusterStream } from './cluster.stream';
import { InstancesHttpController } from './instances.http.controller';
import { InstancesMessageController } from './instances.message.controller';
import { InstancesRepository } from './instances.repository';
import { InstancesService } from './instances.service';
import { LeaseSweeper } from './lease.sweeper';

/** Bundle sessions (hello, heartbeats, enable, disable, goodbye), their leases and the live cluster view. */
@Module({
  imports: [RoutingModule, ConfigurationModule],
  controllers: [InstancesMessageController, InstancesHttpController],
  providers: [InstancesRepository, InstancesService, ClusterStream, LeaseSweeper],
  exports: [InstancesService],
})
export class InstancesModule {}
