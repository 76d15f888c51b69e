import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { ScalerConfig } from './config/scaler.config';
import { scalerMigrations } from './database/migrations';
import { ScalerModule } from './scaler.module';

export const SCALER_SCHEMA = 'scaler';

@Module({})
export class ScalerAppModule {
  static register(config: ScalerConfig): DynamicModule {
    return {
      module: ScalerAppModule,
      imports: [
        PlatformModule.forApp({
          app: 'scaler',
          config,
          database: { schema: SCALER_SCHEMA, migrations: scalerMigrations },
        }),
        ScalerModule,
      ],
    };
  }
}
