import { DiscoverRequest, type DiscoverResponse, RegistryContracts } from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CatalogService } from './catalog.service';

@Controller()
export class CatalogMessageController {
  constructor(private readonly catalog: CatalogService) {}

  @MessagePattern(RegistryContracts.discover.subject)
  discover(@Payload() request: DiscoverRequest): Promise<DiscoverResponse> {
    return this.catalog.discover(request);
  }
}
