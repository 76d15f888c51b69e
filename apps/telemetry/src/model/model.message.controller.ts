import { AnalyseRequest, type AnalysisResult, TelemetryContracts } from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ModelService } from './model.service';

@Controller()
export class ModelMessageController {
  constructor(private readonly model: ModelService) {}

  @MessagePattern(TelemetryContracts.analyse.subject)
  analyse(@Payload() request: AnalyseRequest): Promise<AnalysisResult> {
    return this.model.analyse(request);
  }
}
