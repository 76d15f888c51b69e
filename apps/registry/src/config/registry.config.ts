import { BaseConfig } from '@evento/platform';

/** Environment of the registry app; see the configuration table in the README. */
export class RegistryConfig extends BaseConfig {
  override HTTP_PORT = 3002;
}
