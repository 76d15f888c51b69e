import { BaseConfig } from '@evento/platform';

/** Environment of the event-store app; see the configuration table in the README. */
export class EventStoreConfig extends BaseConfig {
  override HTTP_PORT = 3001;
}
