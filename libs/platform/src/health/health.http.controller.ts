import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { BaseConfig } from '../config';
import { NatsHealthIndicator } from './nats.health';

@ApiExcludeController()
@Controller('health')
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly nats: NatsHealthIndicator,
    private readonly config: BaseConfig,
  ) {}

  /** The process answers: nothing external is checked, so a database blip never restarts pods. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Postgres and NATS both answer within the timeout; 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    const timeout = this.config.HEALTH_TIMEOUT_MS;
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(timeout),
      () => this.nats.pingCheck('nats', timeout),
    ]);
  }
}
