import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { TelemetryConfig } from './config/telemetry.config';
import { telemetryMigrations } from './database/migrations';
import { IngestionModule } from './ingestion/ingestion.module';
import { TelemetryMetricsModule } from './metrics/metrics.module';
import { ModelModule } from './model/model.module';
import { QueryModule } from './query/query.module';
import { StorageModule } from './storage/storage.module';

export const TELEMETRY_SCHEMA = 'telemetry';

/** The app: the platform (config, logs, NATS, its schema, health, metrics), then one module per feature folder. */
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
        StorageModule,
        TelemetryMetricsModule,
        IngestionModule,
        ModelModule,
        QueryModule,
      ],
    };
  }
}
