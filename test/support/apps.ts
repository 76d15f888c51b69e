import type { AppName } from '@evento/contracts';
import { TEST_SUBJECT_PREFIX } from '@evento/testing';
import { type AppDefinition, type BaseConfig, createEventoApp, listen, loadConfig } from '@evento/platform';
import type { INestApplication } from '@nestjs/common';
import { eventStoreApp } from '../../apps/event-store/src/app.definition';
import { EventStoreConfig } from '../../apps/event-store/src/config/event-store.config';
import { gatewayApp } from '../../apps/gateway/src/app.definition';
import { GatewayConfig } from '../../apps/gateway/src/config/gateway.config';
import { registryApp } from '../../apps/registry/src/app.definition';
import { RegistryConfig } from '../../apps/registry/src/config/registry.config';
import { scalerApp } from '../../apps/scaler/src/app.definition';
import { ScalerConfig } from '../../apps/scaler/src/config/scaler.config';
import { telemetryApp } from '../../apps/telemetry/src/app.definition';
import { TelemetryConfig } from '../../apps/telemetry/src/config/telemetry.config';

/** Every app's config class and definition, so tests can boot any of them in-process. */
export const APPS: Record<AppName, { schema: string; define: (env: Record<string, string>) => AppDefinition }> = {
  gateway: { schema: 'gateway', define: (env) => gatewayApp(loadConfig(GatewayConfig, env)) },
  'event-store': { schema: 'event_store', define: (env) => eventStoreApp(loadConfig(EventStoreConfig, env)) },
  registry: { schema: 'registry', define: (env) => registryApp(loadConfig(RegistryConfig, env)) },
  telemetry: { schema: 'telemetry', define: (env) => telemetryApp(loadConfig(TelemetryConfig, env)) },
  scaler: { schema: 'scaler', define: (env) => scalerApp(loadConfig(ScalerConfig, env)) },
};

/** Quiet, random-port settings for apps under test; callers add DATABASE_URL and the rest. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  NATS_SUBJECT_PREFIX: TEST_SUBJECT_PREFIX,
  HTTP_PORT: '0',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  HEALTH_TIMEOUT_MS: '500',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

export interface RunningApp {
  app: INestApplication;
  config: BaseConfig;
  url: string;
}

export async function startApp(name: AppName, env: Record<string, string>): Promise<RunningApp> {
  const definition = APPS[name].define({ ...TEST_ENV, ...env });
  const app = await createEventoApp(definition);
  const url = await listen(app, definition.config);
  return { app, config: definition.config, url };
}
