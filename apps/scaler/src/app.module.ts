import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import { ActuatorsModule } from './actuators/actuators.module';
import type { ScalerConfig } from './config/scaler.config';
import { scalerMigrations } from './database/migrations';
import { DecisionsModule } from './decisions/decisions.module';
import { LeaderModule } from './leader/leader.module';
import { ObservationModule } from './observation/observation.module';
import { PoliciesModule } from './policies/policies.module';
import { SignalsModule } from './signals/signals.module';

export const SCALER_SCHEMA = 'scaler';

/** The app: the platform (config, logs, NATS, its schema, health, metrics), then one module per feature folder. */
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
        LeaderModule,
        PoliciesModule,
        SignalsModule,
        ObservationModule,
        ActuatorsModule,
        DecisionsModule,
      ],
    };
  }
}
