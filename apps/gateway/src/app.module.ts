import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { GatewayConfig } from './config/gateway.config';
import { gatewayMigrations } from './database/migrations';
import { GatewayModule } from './gateway.module';

export const GATEWAY_SCHEMA = 'gateway';

@Module({})
export class GatewayAppModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        PlatformModule.forApp({
          app: 'gateway',
          config,
          database: { schema: GATEWAY_SCHEMA, migrations: gatewayMigrations },
        }),
        GatewayModule,
      ],
    };
  }
}
