import { BaseConfig } from '@evento/platform';

/** Environment of the scaler app; see the configuration table in the README. */
export class ScalerConfig extends BaseConfig {
  override HTTP_PORT = 3004;
}
