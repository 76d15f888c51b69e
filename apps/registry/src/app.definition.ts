import type { AppDefinition } from '@evento/platform';
import { RegistryAppModule } from './app.module';
import type { RegistryConfig } from './config/registry.config';

export function registryApp(config: RegistryConfig): AppDefinition {
  return {
    name: 'registry',
    title: 'Evento Registry',
    description:
      'Bundle sessions, the catalog of bundles, components, handlers and payloads, and the live cluster view.',
    module: RegistryAppModule.register(config),
    config,
  };
}
