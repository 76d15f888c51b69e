import { Module } from '@nestjs/common';
import { CatalogMessageController } from './catalog/catalog.message.controller';
import { CatalogRepository } from './catalog/catalog.repository';
import { CatalogService } from './catalog/catalog.service';
import { InstancesMessageController } from './instances/instances.message.controller';
import { InstancesRepository } from './instances/instances.repository';
import { InstancesService } from './instances/instances.service';
import { LeaseSweeper } from './instances/lease.sweeper';
import { RoutingMessageController } from './routing/routing.message.controller';
import { RoutingRepository } from './routing/routing.repository';
import { RoutingService } from './routing/routing.service';

/** Bundle sessions, the catalog, the live cluster view and the routing table. */
@Module({
  controllers: [CatalogMessageController, InstancesMessageController, RoutingMessageController],
  providers: [
    CatalogRepository,
    CatalogService,
    InstancesRepository,
    InstancesService,
    LeaseSweeper,
    RoutingRepository,
    RoutingService,
  ],
})
export class RegistryModule {}
