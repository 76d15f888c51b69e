import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { RegistryConfig } from './config/registry.config';
import { registryMigrations } from './database/migrations';
import { RegistryModule } from './registry.module';

export const REGISTRY_SCHEMA = 'registry';

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
        RegistryModule,
      ],
    };
  }
}
