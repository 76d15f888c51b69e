import {
  DiscoverPartRequest,
  type DiscoverPartResponse,
  DiscoverRequest,
  type DiscoverResponse,
  RegistryContracts,
  ValidatePayloadRequest,
  type ValidatePayloadResponse,
} from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { CatalogService } from './catalog.service';
import { DescriptorUploads } from './descriptor-uploads.service';
import { PayloadValidator } from './payload-validator';

@Controller()
export class CatalogMessageController {
  constructor(
    private readonly catalog: CatalogService,
    private readonly payloads: PayloadValidator,
    private readonly uploads: DescriptorUploads,
  ) {}

  @Serve(RegistryContracts.discover)
  discover(request: DiscoverRequest): Promise<DiscoverResponse> {
    return this.catalog.discover(request);
  }

  @Serve(RegistryContracts.discoverPart)
  discoverPart(request: DiscoverPartRequest): Promise<DiscoverPartResponse> {
    return this.uploads.part(request);
  }

  @Serve(RegistryContracts.validatePayload)
  validatePayload(request: ValidatePayloadRequest): Promise<ValidatePayloadResponse> {
    return this.payloads.validate(request);
  }
}
