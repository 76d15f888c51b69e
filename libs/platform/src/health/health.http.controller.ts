import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { BaseConfig } from '../config';
import { NatsHealthIndicator } from './nats.health';
import { Public } from '../http/requires.decorator';

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
  @Public()
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Postgres and NATS both answer within the timeout; 503 otherwise. */
  @Public()
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    const timeout = this.config.HEALTH_TIMEOUT_MS;
    try {
      return await this.health.check([
        () => this.database.pingCheck('database').withTimeout(timeout),
        () => this.nats.pingCheck('nats', timeout),
      ]);
    } catch (error) {
      // Keep terminus' report (which dependency is down) instead of the generic error body.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
