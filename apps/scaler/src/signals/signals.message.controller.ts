import { ScalerContracts, ScalingSignal } from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { SignalsIngest } from './signals.ingest';

@Controller()
export class SignalsMessageController {
  constructor(private readonly ingest: SignalsIngest) {}

  /** Fire-and-forget; every replica ingests its share (queue group). */
  @Serve(ScalerContracts.signal)
  signal(signal: ScalingSignal): void {
    this.ingest.receive(signal);
  }
}
