import {
  DiscoverRequest,
  type DiscoverResponse,
  RegistryContracts,
  ValidatePayloadRequest,
  type ValidatePayloadResponse,
} from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CatalogService } from './catalog.service';
import { PayloadValidator } from './payload-validator';

@Controller()
export class CatalogMessageController {
  constructor(
    private readonly catalog: CatalogService,
    private readonly payloads: PayloadValidator,
  ) {}

  @MessagePattern(RegistryContracts.discover.subject)
  discover(@Payload() request: DiscoverRequest): Promise<DiscoverResponse> {
    return this.catalog.discover(request);
  }

  @MessagePattern(RegistryContracts.validatePayload.subject)
  validatePayload(@Payload() request: ValidatePayloadRequest): Promise<ValidatePayloadResponse> {
    return this.payloads.validate(request);
  }
}
