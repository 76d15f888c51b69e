import { RegistryContracts, ReportConsumersRequest, type ReportConsumersResponse } from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ConsumersService } from './consumers.service';

@Controller()
export class ConsumersMessageController {
  constructor(private readonly consumers: ConsumersService) {}

  @MessagePattern(RegistryContracts.reportConsumers.subject)
  report(@Payload() request: ReportConsumersRequest): Promise<ReportConsumersResponse> {
    return this.consumers.report(request);
  }
}
