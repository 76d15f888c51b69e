import type { AppName } from '@evento/contracts';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { MetricsHttpController } from './metrics.http.controller';
import { METRICS_APP_NAME, MetricsService } from './metrics.service';

/** One Prometheus registry per app, served at GET /metrics (to operators with the viewer role). */
@Global()
@Module({})
export class MetricsModule {
  static forApp(app: AppName): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: METRICS_APP_NAME, useValue: app }, MetricsService],
      controllers: [MetricsHttpController],
      exports: [MetricsService],
    };
  }
}
