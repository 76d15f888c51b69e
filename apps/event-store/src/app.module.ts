import { PlatformModule } from '@evento/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import { AggregatesModule } from './aggregates/aggregates.module';
import type { EventStoreConfig } from './config/event-store.config';
import { eventStoreMigrations } from './database/migrations';
import { EventsModule } from './events/events.module';

export const EVENT_STORE_SCHEMA = 'event_store';

/** The app: the platform (config, logs, NATS, its schema, health, metrics), then one module per feature folder. */
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
        EventsModule,
        AggregatesModule,
      ],
    };
  }
}
