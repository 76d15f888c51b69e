import { RegistryContracts, RoutingTableRequest, type RoutingTableResponse } from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RoutingService } from './routing.service';

@Controller()
export class RoutingMessageController {
  constructor(private readonly routing: RoutingService) {}

  @MessagePattern(RegistryContracts.routingTable.subject)
  table(@Payload() request: RoutingTableRequest): Promise<RoutingTableResponse> {
    return this.routing.table(request.bundleId);
  }
}
