import type { AppName } from '@evento/contracts';
import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule, type BaseConfig } from './config';
import { DatabaseModule, type DatabaseOptions } from './database';
import { HealthModule } from './health';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics';
import { NatsModule } from './nats';
import { systemMessageController } from './system/system.message.controller';

export interface PlatformOptions {
  app: AppName;
  config: BaseConfig;
  database: DatabaseOptions;
}

/** What every app of the suite has: config, logs, NATS, its Postgres schema, health and ping. */
@Module({})
export class PlatformModule {
  static forApp(options: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        AppConfigModule.forRoot(options.config),
        LoggingModule,
        NatsModule.forApp(options.app),
        DatabaseModule.forApp(options.database),
        HealthModule,
        MetricsModule.forApp(options.app),
      ],
      controllers: [systemMessageController(options.app)],
    };
  }
}
