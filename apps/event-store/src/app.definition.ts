import type { AppDefinition } from '@evento/platform';
import { EventStoreAppModule } from './app.module';
import type { EventStoreConfig } from './config/event-store.config';

export function eventStoreApp(config: EventStoreConfig): AppDefinition {
  return {
    name: 'event-store',
    title: 'Evento Event Store',
    description: 'The ordered, durable event log: appends, aggregate stories, snapshots and consumer reads.',
    module: EventStoreAppModule.register(config),
    config,
  };
}
