import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import { CatalogModule } from './catalog/catalog.module';
import type { RegistryConfig } from './config/registry.config';
import { ConfigurationModule } from './configuration/configuration.module';
import { ConsumersModule } from './consumers/consumers.module';
import { ControlModule } from './control/control.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { registryMigrations } from './database/migrations';
import { InstancesModule } from './instances/instances.module';
import { OwnershipModule } from './ownership/ownership.module';
import { RoutingModule } from './routing/routing.module';

export const REGISTRY_SCHEMA = 'registry';

/** The app: the platform (config, logs, NATS, its schema, health, metrics), then one module per feature folder. */
@Module({})
export class RegistryAppModule {
  static register(config: RegistryConfig): DynamicModule {
    return {
      module: RegistryAppModule,
      imports: [
        PlatformModule.forApp({
          app: 'registry',
          config,
          database: { schema: REGISTRY_SCHEMA, migrations: registryMigrations },
        }),
        RoutingModule,
        ControlModule,
        ConfigurationModule,
        InstancesModule,
        OwnershipModule,
        CatalogModule,
        ConsumersModule,
        DashboardModule,
      ],
    };
  }
}
