import { Module } from '@nestjs/common';
import { GatewayHttpController } from './api/gateway.http.controller';
import { GatewayMessageController } from './api/gateway.message.controller';
import { CommandsService } from './commands/commands.service';
import { ServiceLocksRepository } from './commands/service-locks.repository';
import { ServiceRequestDedup } from './commands/service-request-dedup.service';
import { ServiceRequestsRepository } from './commands/service-requests.repository';
import { InstanceDispatcher } from './dispatch/instance-dispatcher.service';
import { GatewayMetrics } from './metrics/gateway-metrics.service';
import { PublishService } from './publish/publish.service';
import { QueriesService } from './queries/queries.service';
import { BundleAuth } from './requests/bundle-auth';
import { PayloadChecks } from './requests/payload-checks';
import { RequestReader } from './requests/request-reader';
import { InstanceSelector } from './routing/instance-selector';
import { RoutesView } from './routing/routes.view';
import { RoutingMessageController } from './routing/routing.message.controller';
import { RoutingTableService } from './routing/routing-table.service';

/** Routing of commands and queries to bundle instances, and domain commands the event-sourcing way. */
@Module({
  controllers: [GatewayMessageController, GatewayHttpController, RoutingMessageController],
  providers: [
    BundleAuth,
    CommandsService,
    GatewayMetrics,
    InstanceDispatcher,
    InstanceSelector,
    PayloadChecks,
    PublishService,
    QueriesService,
    RequestReader,
    RoutesView,
    RoutingTableService,
    ServiceLocksRepository,
    ServiceRequestDedup,
    ServiceRequestsRepository,
  ],
})
export class GatewayModule {}
