import { AnalyseRequest } from '@evento/contracts';

/** Body of POST /performance/analysis: the same request the scaler sends over NATS. */
export class AnalysisBodyDto extends AnalyseRequest {}
