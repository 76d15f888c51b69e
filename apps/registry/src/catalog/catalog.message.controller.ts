import {
  DiscoverPartRequest,
  type DiscoverPartResponse,
  DiscoverRequest,
  type DiscoverResponse,
  RegistryContracts,
  ValidatePayloadRequest,
  type ValidatePayloadResponse,
} from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
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

  @MessagePattern(RegistryContracts.discover.subject)
  discover(@Payload() request: DiscoverRequest): Promise<DiscoverResponse> {
    return this.catalog.discover(request);
  }

  @MessagePattern(RegistryContracts.discoverPart.subject)
  discoverPart(@Payload() request: DiscoverPartRequest): Promise<DiscoverPartResponse> {
    return this.uploads.part(request);
  }

  @MessagePattern(RegistryContracts.validatePayload.subject)
  validatePayload(@Payload() request: ValidatePayloadRequest): Promise<ValidatePayloadResponse> {
    return this.payloads.validate(request);
  }
}
