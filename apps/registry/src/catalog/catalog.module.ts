import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { OwnershipModule } from '../ownership/ownership.module';
import { RoutingModule } from '../routing/routing.module';
import { CatalogHttpController } from './catalog.http.controller';
import { CatalogMessageController } from './catalog.message.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { DescriptorUploadsRepository } from './descriptor-uploads.repository';
import { DescriptorUploads } from './descriptor-uploads.service';
import { PayloadValidator } from './payload-validator';

/** What each bundle last reported (components, handlers, payloads), kept after its instances leave. */
@Module({
  imports: [InstancesModule, RoutingModule, OwnershipModule],
  controllers: [CatalogMessageController, CatalogHttpController],
  providers: [CatalogRepository, CatalogService, DescriptorUploadsRepository, DescriptorUploads, PayloadValidator],
})
export class CatalogModule {}
