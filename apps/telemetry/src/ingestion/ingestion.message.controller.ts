import { BundleTelemetryEnvelope, GatewayTelemetryEnvelope, TelemetryContracts } from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { IngestionService } from './ingestion.service';

/**
 * Telemetry batches, fire-and-forget. The edge checks a batch's envelope only; the entries are
 * checked one by one, so a bad entry is counted and the rest of its batch kept.
 */
@Controller()
export class IngestionMessageController {
  constructor(private readonly ingestion: IngestionService) {}

  @Serve(TelemetryContracts.bundleSamples, { validateAs: BundleTelemetryEnvelope })
  bundleSamples(batch: BundleTelemetryEnvelope): void {
    this.ingestion.ingestBundle(batch);
  }

  @Serve(TelemetryContracts.gatewaySamples, { validateAs: GatewayTelemetryEnvelope })
  gatewaySamples(batch: GatewayTelemetryEnvelope): void {
    this.ingestion.ingestGateway(batch);
  }
}
