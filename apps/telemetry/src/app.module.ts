import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { TelemetryConfig } from './config/telemetry.config';
import { telemetryMigrations } from './database/migrations';
import { TelemetryModule } from './telemetry.module';

export const TELEMETRY_SCHEMA = 'telemetry';

@Module({})
export class TelemetryAppModule {
  static register(config: TelemetryConfig): DynamicModule {
    return {
      module: TelemetryAppModule,
      imports: [
        PlatformModule.forApp({
          app: 'telemetry',
          config,
          database: { schema: TELEMETRY_SCHEMA, migrations: telemetryMigrations },
        }),
        TelemetryModule,
      ],
    };
  }
}
