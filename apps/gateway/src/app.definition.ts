import type { AppDefinition } from '@evento/platform';
import { GatewayAppModule } from './app.module';
import type { GatewayConfig } from './config/gateway.config';

export function gatewayApp(config: GatewayConfig): AppDefinition {
  return {
    name: 'gateway',
    title: 'Evento Gateway',
    description:
      'Routes bundle commands and queries to bundle instances and runs domain commands the event-sourcing way; the public REST API for operators and developers.',
    module: GatewayAppModule.register(config),
    config,
  };
}
