import { RegistryContracts, ReportConsumersRequest, type ReportConsumersResponse } from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { ConsumersService } from './consumers.service';

@Controller()
export class ConsumersMessageController {
  constructor(private readonly consumers: ConsumersService) {}

  @Serve(RegistryContracts.reportConsumers)
  report(request: ReportConsumersRequest): Promise<ReportConsumersResponse> {
    return this.consumers.report(request);
  }
}
