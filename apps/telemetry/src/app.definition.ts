import type { AppDefinition } from '@evento/platform';
import { TelemetryAppModule } from './app.module';
import type { TelemetryConfig } from './config/telemetry.config';

export function telemetryApp(config: TelemetryConfig): AppDefinition {
  return {
    name: 'telemetry',
    title: 'Evento Telemetry',
    description: 'Handler service times, invocation counts and the performance model of the application.',
    module: TelemetryAppModule.register(config),
    config,
  };
}
