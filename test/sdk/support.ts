import type { AppName } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl, TEST_NATS_URL, TEST_SUBJECT_PREFIX } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type RunningApp, startApp } from '../support/apps';

/** Registry settings that let tests see leases expire in a couple of seconds. */
export const FAST_REGISTRY = { HEARTBEAT_INTERVAL_MS: '300', INSTANCE_LEASE_MS: '1500', LEASE_SWEEP_MS: '200' };

export interface SuiteOf {
  readonly url: string;
  readonly nc: NatsConnection;
  readonly client: ContractClient;
  readonly apps: Map<AppName, RunningApp>;
  /** What a bundle under test needs to join this suite. */
  readonly bundleConnection: { servers: string; subjectPrefix: string };
}

/** Several apps of the suite on one fresh database, as `npm start` runs them. */
export function useSuite(label: string, names: AppName[], env: Record<string, string> = {}): SuiteOf {
  const url = freshDatabaseUrl(label);
  const apps = new Map<AppName, RunningApp>();
  let nc: NatsConnection | undefined;
  let client: ContractClient | undefined;
  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc!);
    for (const name of names) {
      apps.set(
        name,
        await startApp(name, { DATABASE_URL: url, ...(name === 'registry' ? FAST_REGISTRY : {}), ...env }),
      );
    }
  });
  afterAll(async () => {
    for (const name of [...names].reverse()) await apps.get(name)?.app.close();
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
    bundleConnection: { servers: TEST_NATS_URL, subjectPrefix: TEST_SUBJECT_PREFIX },
  };
}
