import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { CommandsModule } from './commands/commands.module';
import type { GatewayConfig } from './config/gateway.config';
import { gatewayMigrations } from './database/migrations';
import { DispatchModule } from './dispatch/dispatch.module';
import { GatewayMetricsModule } from './metrics/metrics.module';
import { PublishModule } from './publish/publish.module';
import { QueriesModule } from './queries/queries.module';
import { RequestsModule } from './requests/requests.module';
import { RoutingModule } from './routing/routing.module';

export const GATEWAY_SCHEMA = 'gateway';

/** The app: the platform (config, logs, NATS, its schema, health, metrics), then one module per feature folder. */
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
        RoutingModule,
        DispatchModule,
        RequestsModule,
        GatewayMetricsModule,
        CommandsModule,
        QueriesModule,
        PublishModule,
        ApiModule,
      ],
    };
  }
}
