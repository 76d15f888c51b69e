import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { NatsConnectionService } from '../nats/nats-connection.service';

@Injectable()
export class NatsHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly nats: NatsConnectionService,
  ) {}

  /** Up when a round trip to the NATS server completes within the timeout. */
  pingCheck(key: string, timeoutMs: number) {
    return this.health
      .check(key)
      .attempt(async () => ({ rttMs: Math.round((await this.nats.rtt()) * 100) / 100 }))
      .withTimeout(timeoutMs);
  }
}
