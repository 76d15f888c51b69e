import { RegistryContracts, RoutingTableRequest, type RoutingTableResponse } from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { RoutingService } from './routing.service';

@Controller()
export class RoutingMessageController {
  constructor(private readonly routing: RoutingService) {}

  @Serve(RegistryContracts.routingTable)
  table(request: RoutingTableRequest): Promise<RoutingTableResponse> {
    return this.routing.table(request.bundleId);
  }
}
