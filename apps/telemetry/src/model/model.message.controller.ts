import { AnalyseRequest, type AnalysisResult, TelemetryContracts } from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { ModelService } from './model.service';

@Controller()
export class ModelMessageController {
  constructor(private readonly model: ModelService) {}

  @Serve(TelemetryContracts.analyse)
  analyse(request: AnalyseRequest): Promise<AnalysisResult> {
    return this.model.analyse(request);
  }
}
