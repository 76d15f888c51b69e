import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { GatewayMetricsModule } from '../metrics/metrics.module';
import { RequestsModule } from '../requests/requests.module';
import { RoutingModule } from '../routing/routing.module';
import { CommandsService } from './commands.service';
import { ServiceLocksRepository } from './service-locks.repository';
import { ServiceRequestDedup } from './service-request-dedup.service';
import { ServiceRequestsRepository } from './service-requests.repository';

/** Commands: domain commands the event-sourcing way, service commands with their locks. */
@Module({
  imports: [RoutingModule, DispatchModule, RequestsModule, GatewayMetricsModule],
  providers: [CommandsService, ServiceLocksRepository, ServiceRequestDedup, ServiceRequestsRepository],
  exports: [CommandsService],
})
export class CommandsModule {}
