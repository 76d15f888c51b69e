import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { EventStoreConfig } from './config/event-store.config';
import { eventStoreMigrations } from './database/migrations';
import { EventStoreModule } from './event-store.module';

export const EVENT_STORE_SCHEMA = 'event_store';

@Module({})
export class EventStoreAppModule {
  static register(config: EventStoreConfig): DynamicModule {
    return {
      module: EventStoreAppModule,
      imports: [
        PlatformModule.forApp({
          app: 'event-store',
          config,
          database: { schema: EVENT_STORE_SCHEMA, migrations: eventStoreMigrations },
        }),
        EventStoreModule,
      ],
    };
  }
}
