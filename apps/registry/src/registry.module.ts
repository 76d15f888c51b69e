import { Module } from '@nestjs/common';
import { CatalogHttpController } from './catalog/catalog.http.controller';
import { CatalogMessageController } from './catalog/catalog.message.controller';
import { CatalogRepository } from './catalog/catalog.repository';
import { CatalogService } from './catalog/catalog.service';
import { DescriptorUploadsRepository } from './catalog/descriptor-uploads.repository';
import { DescriptorUploads } from './catalog/descriptor-uploads.service';
import { PayloadValidator } from './catalog/payload-validator';
import { ConsumersHttpController } from './consumers/consumers.http.controller';
import { ConsumersMessageController } from './consumers/consumers.message.controller';
import { ConsumersRepository } from './consumers/consumers.repository';
import { ConsumersService } from './consumers/consumers.service';
import { ConfigurationHttpController } from './configuration/configuration.http.controller';
import { ConfigurationRepository } from './configuration/configuration.repository';
import { ConfigurationService } from './configuration/configuration.service';
import { InstanceControl } from './control/instance-control';
import { DashboardHttpController } from './dashboard/dashboard.http.controller';
import { DashboardRepository } from './dashboard/dashboard.repository';
import { DashboardService } from './dashboard/dashboard.service';
import { ClusterStream } from './instances/cluster.stream';
import { InstancesHttpController } from './instances/instances.http.controller';
import { InstancesMessageController } from './instances/instances.message.controller';
import { InstancesRepository } from './instances/instances.repository';
import { InstancesService } from './instances/instances.service';
import { LeaseSweeper } from './instances/lease.sweeper';
import { OwnershipHttpController } from './ownership/ownership.http.controller';
import { OwnershipRepository } from './ownership/ownership.repository';
import { OwnershipService } from './ownership/ownership.service';
import { RoutingHttpController } from './routing/routing.http.controller';
import { RoutingMessageController } from './routing/routing.message.controller';
import { RoutingRepository } from './routing/routing.repository';
import { RoutingService } from './routing/routing.service';

/**
 * Bundle sessions, the catalog, payload ownership, the live cluster view, the routing table, consumers and
 * bundle configuration.
 */
@Module({
  controllers: [
    CatalogMessageController,
    CatalogHttpController,
    ConsumersMessageController,
    ConsumersHttpController,
    ConfigurationHttpController,
    DashboardHttpController,
    InstancesMessageController,
    InstancesHttpController,
    OwnershipHttpController,
    RoutingMessageController,
    RoutingHttpController,
  ],
  providers: [
    CatalogRepository,
    CatalogService,
    ClusterStream,
    ConfigurationRepository,
    ConfigurationService,
    ConsumersRepository,
    ConsumersService,
    DashboardRepository,
    DescriptorUploads,
    DescriptorUploadsRepository,
    DashboardService,
    InstanceControl,
    InstancesRepository,
    InstancesService,
    LeaseSweeper,
    OwnershipRepository,
    OwnershipService,
    PayloadValidator,
    RoutingRepository,
    RoutingService,
  ],
})
export class RegistryModule {}
