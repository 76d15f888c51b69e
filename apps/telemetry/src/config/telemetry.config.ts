import { BaseConfig } from '@evento/platform';

/** Environment of the telemetry app; see the configuration table in the README. */
export class TelemetryConfig extends BaseConfig {
  override HTTP_PORT = 3003;
}
