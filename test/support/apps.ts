import type { AppName } from '@evento/contracts';
import { connectTestNats, dropDatabase, freshDatabaseUrl, TEST_SUBJECT_PREFIX } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type AppDefinition,
  type BaseConfig,
  ContractClient,
  createEventoApp,
  listen,
  loadConfig,
} from '@evento/platform';
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

export interface Suite {
  /** The fresh database every app of the suite shares. */
  readonly url: string;
  readonly apps: RunningApp[];
  /** A NATS connection on this file's subject prefix, and a contracts client over it. */
  readonly nc: NatsConnection;
  readonly client: ContractClient;
}

/**
 * The fixture most integration tests need: `count` replicas of an app on a fresh database,
 * plus a NATS connection under the file's subject prefix, all torn down after the block.
 * Call it inside a describe block; read the fields in hooks and tests, not at definition.
 */
export function useApps(
  name: AppName,
  options: { label: string; count?: number; env?: Record<string, string> },
): Suite {
  const url = freshDatabaseUrl(options.label);
  const apps: RunningApp[] = [];
  let nc: NatsConnection | undefined;
  let client: ContractClient | undefined;
  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc!);
    for (let i = 0; i < (options.count ?? 1); i += 1) {
      apps.push(await startApp(name, { DATABASE_URL: url, ...options.env }));
    }
  });
  afterAll(async () => {
    await Promise.all(apps.map((running) => running.app.close()));
    await nc?.drain();
    await dropDatabase(url);
  });
  return {
    url,
    apps,
    get nc() {
      return nc!;
    },
    get client() {
      return client!;
    },
  };
}
