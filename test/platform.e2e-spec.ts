import { ErrorCode, SystemContracts } from '@evento/contracts';
import {
  type AppDefinition,
  BaseConfig,
  ContractClient,
  createEventoApp,
  listen,
  loadConfig,
  PlatformModule,
} from '@evento/platform';
import { dropDatabase, freshDatabaseUrl, queryDatabase, connectTestNats } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { Module } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { startApp, TEST_ENV } from './support/apps';

class CreateProbeSchema1763800000001 implements MigrationInterface {
  name = 'CreateProbeSchema1763800000001';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE SCHEMA "probe"');
    // Slow enough that replicas booting together would collide without the advisory lock.
    await runner.query('SELECT pg_sleep(0.3)');
    await runner.query('CREATE TABLE "probe"."boots" (id serial PRIMARY KEY)');
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA "probe" CASCADE');
  }
}

class ProbeConfig extends BaseConfig {
  override HTTP_PORT = 0;
}

function probeApp(env: Record<string, string>): AppDefinition {
  const config = loadConfig(ProbeConfig, { ...TEST_ENV, ...env });
  @Module({
    imports: [
      PlatformModule.forApp({
        app: 'scaler',
        config,
        database: { schema: 'probe', migrations: [CreateProbeSchema1763800000001] },
      }),
    ],
  })
  class ProbeModule {}
  return { name: 'scaler', title: 'probe', description: 'probe', module: { module: ProbeModule }, config };
}

describe('the platform every app runs on', () => {
  let nc: NatsConnection;
  const databases: string[] = [];

  beforeAll(async () => {
    nc = await connectTestNats();
  });

  afterAll(async () => {
    await nc.drain();
    for (const url of databases) await dropDatabase(url);
  });

  it('lets replicas that boot together migrate once, under the advisory lock', async () => {
    const url = freshDatabaseUrl('platform');
    databases.push(url);
    const apps = await Promise.all([1, 2, 3].map(() => createEventoApp(probeApp({ DATABASE_URL: url }))));
    try {
      const applied = await queryDatabase<{ name: string }>(url, 'SELECT name FROM public."probe_migrations"');
      expect(applied.map((row) => row.name)).toEqual(['CreateProbeSchema1763800000001']);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('requires the operator token on the API but not on health checks', async () => {
    const url = freshDatabaseUrl('platform');
    databases.push(url);
    const token = 'test-operator-token-0123456789';
    const running = await startApp('registry', { DATABASE_URL: url, OPERATOR_TOKEN: token, DOCS_PUBLIC: 'false' });
    try {
      expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
      const denied = await fetch(`${running.url}/docs-json`);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ code: ErrorCode.UNAUTHORIZED });
      const wrong = await fetch(`${running.url}/docs-json`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const allowed = await fetch(`${running.url}/docs-json`, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
    } finally {
      await running.app.close();
    }
  });

  it('echoes the caller correlation id on HTTP and makes one when there is none', async () => {
    const url = freshDatabaseUrl('platform');
    databases.push(url);
    const running = await startApp('telemetry', { DATABASE_URL: url });
    try {
      const given = await fetch(`${running.url}/health/live`, { headers: { 'x-correlation-id': 'trace-42' } });
      expect(given.headers.get('x-correlation-id')).toBe('trace-42');
      const made = await fetch(`${running.url}/health/live`);
      expect(made.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      const client = new ContractClient(() => nc);
      await expect(
        client.request(SystemContracts.ping.telemetry, {}, { correlationId: 'trace-43' }),
      ).resolves.toMatchObject({ app: 'telemetry' });
    } finally {
      await running.app.close();
    }
  });

  it('refuses to boot with an invalid configuration, naming each problem', () => {
    expect(() => probeApp({ HTTP_PORT: '-1', NATS_URL: 'localhost' })).toThrow(
      /HTTP_PORT[\s\S]*NATS_URL|NATS_URL[\s\S]*HTTP_PORT/,
    );
  });

  it('listens on the configured port', async () => {
    const url = freshDatabaseUrl('platform');
    databases.push(url);
    const app = await createEventoApp(probeApp({ DATABASE_URL: url, HTTP_PORT: '0' }));
    try {
      const address = await listen(app, loadConfig(ProbeConfig, { ...TEST_ENV, HTTP_PORT: '0' }));
      expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await app.close();
    }
  });
});
