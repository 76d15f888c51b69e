import { BaseConfig } from '@evento/platform';

/** Environment of the gateway app; see the configuration table in the README. */
export class GatewayConfig extends BaseConfig {
  override HTTP_PORT = 3000;
}
