/**
 * Operators on HTTP: every operation of the five apps requires a role (viewer < operator <
 * admin), operators present static tokens (OPERATOR_TOKENS, OPERATOR_TOKEN) or JWTs of an OIDC
 * provider, verified against a JWKS this test serves. Real apps, real NATS and Postgres.
 */
import { APP_NAMES, type AppName, ErrorCode } from '@evento/contracts';
import {
  createEventoApp,
  type AppDefinition,
  BaseConfig,
  httpRoutes,
  loadConfig,
  OPERATOR_ROLES,
  PlatformModule,
  Requires,
} from '@evento/platform';
import { dropDatabase, freePort, freshDatabaseUrl, waitFor } from '@evento/testing';
import { Controller, Delete, Get, Module } from '@nestjs/common';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AppProcess, ensureBuilt } from './support/app-process';
import { type RunningApp, startApp, TEST_ENV } from './support/apps';

const TOKENS = {
  viewer: 'viewer-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};
const LEGACY_TOKEN = 'legacy-operator-token-0123456789';
const OPERATOR_TOKENS = `grafana:viewer:${TOKENS.viewer},ops-bob:operator:${TOKENS.operator},root-carol:admin:${TOKENS.admin}`;
const AUDIENCE = 'evento';
const ROLE_MAP = 'evento-viewers=viewer,evento-operators=operator,evento-admins=admin';

interface Answer {
  status: number;
  body: { code?: string; message?: string } & Record<string, unknown>;
  headers: Headers;
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Answer['body'];
  try {
    parsed = text ? (JSON.parse(text) as Answer['body']) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Got past authentication and the role check: whatever the operation answered, not 401 or 403. */
function expectAllowed(answer: Answer): void {
  expect([401, 403].includes(answer.status) ? answer.body : 'allowed').toBe('allowed');
}

function expectForbidden(answer: Answer, required: string): void {
  expect(answer.status).toBe(403);
  expect(answer.body).toEqual({ code: ErrorCode.FORBIDDEN, message: expect.stringContaining(`the ${required} role`) });
}

function expectUnauthorized(answer: Answer, invalidToken: boolean): void {
  expect(answer.status).toBe(401);
  expect(answer.body).toEqual({ code: ErrorCode.UNAUTHORIZED, message: expect.any(String) });
  expect(answer.headers.get('www-authenticate')).toBe(
    invalidToken ? 'Bearer realm="evento", error="invalid_token"' : 'Bearer realm="evento"',
  );
}

const POLICY = { enabled: true, minInstances: 0, maxInstances: 2, actuator: { kind: 'none' } };

/** An identity provider for the test: discovery document and JWKS on a local port. */
class IdentityProvider {
  private server?: Server;
  issuer = '';
  jwksRequests = 0;
  privateKey!: CryptoKey;
  otherKey!: CryptoKey;

  async start(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    this.privateKey = privateKey;
    this.otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      const send = (body: unknown) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        return send({ issuer: this.issuer, jwks_uri: `${this.issuer}/jwks` });
      }
      if (req.url === '/jwks') {
        this.jwksRequests += 1;
        return send({ keys: [jwk] });
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A token as the provider would issue it; every option changes one thing. */
  token(
    claims: JWTPayload,
    options: { key?: CryptoKey; kid?: string; audience?: string; issuer?: string; expiresAt?: number } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ preferred_username: 'dana', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject('user-42')
      .setIssuedAt(Math.min(now, (options.expiresAt ?? now) - 60))
      .setExpirationTime(options.expiresAt ?? now + 300)
      .sign(options.key ?? this.privateKey);
  }
}

/** The rows of the role table of docs/security.md (app, operation, role), generated from the apps' OpenAPI documents. */
function roleRows(documents: Record<AppName, OpenApi>): string[][] {
  const rows = new Map<string, { apps: AppName[]; operation: string; role: string }>();
  for (const app of APP_NAMES) {
    for (const { method, path, operation } of operationsOf(documents[app])) {
      const row = { apps: [] as AppName[], operation: `\`${method.toUpperCase()} ${path}\``, role: '' };
      row.role = String(operation['x-required-role']);
      const key = `${row.operation} ${row.role}`;
      (rows.get(key) ?? rows.set(key, row).get(key)!).apps.push(app);
    }
  }
  const all = [...rows.values()].map(({ apps, operation, role }) => [
    apps.length === APP_NAMES.length ? 'every app' : apps.join(', '),
    operation,
    role,
  ]);
  return [...all.filter(([where]) => where === 'every app'), ...all.filter(([where]) => where !== 'every app')];
}

/** A markdown table's rows as cells, without the header and its separator, whatever the padding. */
function markdownRows(table: string): string[][] {
  return table
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

type Operation = Record<string, unknown> & {
  description?: string;
  security?: Array<Record<string, unknown>>;
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type OpenApi = { paths: Record<string, Record<string, Operation>> };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operationsOf(document: OpenApi): Array<{ method: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] })),
  );
}

describe('operators on HTTP: roles and tokens', () => {
  const database = freshDatabaseUrl('roles');
  const idp = new IdentityProvider();
  const apps = {} as Record<AppName, RunningApp>;
  const url = (app: AppName) => apps[app].url;

  beforeAll(async () => {
    await idp.start();
    const common = {
      DATABASE_URL: database,
      OPERATOR_TOKENS,
      OPERATOR_TOKEN: LEGACY_TOKEN,
      DOCS_PUBLIC: 'false',
      OIDC_ISSUER: idp.issuer,
      OIDC_AUDIENCE: AUDIENCE,
    };
    const own: Record<AppName, Record<string, string>> = {
      // Keycloak's shape, through the discovery document, with the realm's role names mapped.
      registry: { OIDC_ROLES_CLAIM: 'realm_access.roles', OIDC_ROLE_MAP: ROLE_MAP },
      // The JWKS named directly; roles in the default `roles` claim.
      scaler: { OIDC_JWKS_URL: `${idp.issuer}/jwks`, SCALER_TICK_MS: '60000' },
      gateway: {},
      'event-store': {},
      telemetry: {},
    };
    for (const app of APP_NAMES) apps[app] = await startApp(app, { ...common, ...own[app] });
  });

  afterAll(async () => {
    for (const app of APP_NAMES) await apps[app]?.app.close();
    await idp.stop();
    await dropDatabase(database);
  });

  describe('static tokens', () => {
    it('lets a viewer read on every app and refuses it every write', async () => {
      expect((await call(url('registry'), 'GET', '/bundles', TOKENS.viewer)).status).toBe(200);
      expect((await call(url('event-store'), 'GET', '/events/head', TOKENS.viewer)).status).toBe(200);
      expect((await call(url('telemetry'), 'GET', '/performance/ingestion', TOKENS.viewer)).status).toBe(200);
      expect((await call(url('scaler'), 'GET', '/policies', TOKENS.viewer)).status).toBe(200);
      expect((await call(url('gateway'), 'GET', '/routing', TOKENS.viewer)).status).toBe(200);
      expect((await call(url('gateway'), 'GET', '/metrics', TOKENS.viewer)).status).toBe(200);
      // A query reads, even though it is a POST.
      expectAllowed(await call(url('gateway'), 'POST', '/queries/NoSuchQuery', TOKENS.viewer, { payload: {} }));

      expectForbidden(await call(url('scaler'), 'PUT', '/policies/roles-viewer', TOKENS.viewer, POLICY), 'operator');
      expectForbidden(
        await call(url('registry'), 'PUT', '/bundles/roles/configuration/k', TOKENS.viewer, { value: 'v' }),
        'operator',
      );
      expectForbidden(
        await call(url('gateway'), 'POST', '/commands/NoSuchCommand', TOKENS.viewer, { payload: {} }),
        'operator',
      );
      // Refused before anything was done.
      expect((await call(url('scaler'), 'GET', '/policies/roles-viewer', TOKENS.admin)).status).toBe(404);
    });

    it('lets an operator administer policies, configuration and commands, not delete data', async () => {
      const created = await call(url('scaler'), 'PUT', '/policies/roles-ops', TOKENS.operator, POLICY);
      expect(created.status).toBe(201);
      const set = await call(url('registry'), 'PUT', '/bundles/roles/configuration/k', TOKENS.operator, {
        value: 'v',
      });
      expect(set.status).toBe(200);
      expectAllowed(await call(url('gateway'), 'POST', '/commands/NoSuchCommand', TOKENS.operator, { payload: {} }));
      expectAllowed(await call(url('registry'), 'POST', '/consumers/roles/c1/reset', TOKENS.operator, { cursor: '' }));

      expectForbidden(await call(url('registry'), 'DELETE', '/bundles/roles', TOKENS.operator), 'admin');
      expectForbidden(
        await call(url('registry'), 'DELETE', '/consumers/roles/c1/dead-events/1', TOKENS.operator),
        'admin',
      );
    });

    it('lets an admin delete, and keeps OPERATOR_TOKEN working as an admin token', async () => {
      const missing = await call(url('registry'), 'DELETE', '/bundles/roles-never-seen', TOKENS.admin);
      expect(missing.body.code).toBe(ErrorCode.NOT_FOUND);
      expectAllowed(await call(url('registry'), 'DELETE', '/consumers/roles/c1/dead-events/1', TOKENS.admin));
      expect((await call(url('scaler'), 'PUT', '/policies/roles-admin', TOKENS.admin, POLICY)).status).toBe(201);
      expect((await call(url('scaler'), 'DELETE', '/policies/roles-admin', LEGACY_TOKEN)).status).toBe(204);
      expect((await call(url('registry'), 'DELETE', '/bundles/roles-never-seen', LEGACY_TOKEN)).body.code).toBe(
        ErrorCode.NOT_FOUND,
      );
    });

    it('answers 401 with a Bearer challenge without a token or with an unknown one; health stays open', async () => {
      for (const app of APP_NAMES) {
        expectUnauthorized(await call(url(app), 'GET', '/metrics'), false);
        expectUnauthorized(await call(url(app), 'GET', '/metrics', `${TOKENS.admin}x`), true);
        expect((await call(url(app), 'GET', '/health/ready')).status).toBe(200);
        expect((await call(url(app), 'GET', '/health/live', 'not-a-known-token-at-all')).status).toBe(200);
      }
      expectUnauthorized(await call(url('scaler'), 'PUT', '/policies/roles-x', undefined, POLICY), false);
      // Refused before the body is read: a body that is not JSON gets the 401, not a 400.
      const unread = await fetch(`${url('scaler')}/policies/roles-x`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-known-token-at-all' },
        body: '{"not json',
      });
      expect([unread.status, ((await unread.json()) as { code: string }).code]).toEqual([401, ErrorCode.UNAUTHORIZED]);
      expectUnauthorized(await call(url('scaler'), 'GET', '/docs-json'), false);
      expect((await call(url('scaler'), 'GET', '/docs-json', TOKENS.viewer)).status).toBe(200);
    });
  });

  describe('OIDC tokens', () => {
    it('takes the role from a verified token (Keycloak realm roles, mapped)', async () => {
      const viewer = await idp.token({ realm_access: { roles: ['offline_access', 'evento-viewers'] } });
      expect((await call(url('registry'), 'GET', '/bundles', viewer)).status).toBe(200);
      expectForbidden(await call(url('registry'), 'DELETE', '/bundles/roles-oidc', viewer), 'admin');

      const admin = await idp.token({ realm_access: { roles: ['evento-viewers', 'evento-admins'] } });
      expect((await call(url('registry'), 'DELETE', '/bundles/roles-oidc', admin)).body.code).toBe(ErrorCode.NOT_FOUND);
      // With a map, the provider's own "admin" role counts for nothing.
      const unmapped = await idp.token({ realm_access: { roles: ['admin'] } });
      expectForbidden(await call(url('registry'), 'GET', '/bundles', unmapped), 'viewer');
    });

    it('takes the role from the default roles claim, with the JWKS named directly', async () => {
      const operator = await idp.token({ roles: ['operator'] });
      expect((await call(url('scaler'), 'PUT', '/policies/roles-oidc', operator, POLICY)).status).toBe(201);
      expectForbidden(
        await call(url('scaler'), 'PUT', '/policies/roles-oidc', await idp.token({ roles: ['viewer'] }), POLICY),
        'operator',
      );
      expect((await call(url('telemetry'), 'GET', '/performance/ingestion', operator)).status).toBe(200);
      expectAllowed(await call(url('gateway'), 'POST', '/commands/NoSuchCommand', operator, { payload: {} }));
    });

    it('refuses tokens for another audience, expired ones, ones signed with another key or by another issuer', async () => {
      const claims = { roles: ['admin'] };
      const now = Math.floor(Date.now() / 1000);
      const refused = [
        await idp.token(claims, { audience: 'another-service' }),
        // Expired beyond the clock tolerance (30 s).
        await idp.token(claims, { expiresAt: now - 120 }),
        // Another key under the provider's key id, and another key under an unknown id.
        await idp.token(claims, { key: idp.otherKey }),
        await idp.token(claims, { key: idp.otherKey, kid: 'k2' }),
        await idp.token(claims, { issuer: 'http://127.0.0.1:1/another-issuer' }),
        // Unsigned, and signed with a shared secret: only the provider's asymmetric keys count.
        new UnsecuredJWT(claims).setIssuer(idp.issuer).setAudience(AUDIENCE).setExpirationTime('5m').encode(),
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setIssuer(idp.issuer)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!')),
      ];
      for (const token of refused) {
        for (const app of ['scaler', 'event-store'] as const) {
          expectUnauthorized(await call(url(app), 'GET', '/metrics', token), true);
        }
      }
      // Within the clock tolerance an expired token still passes.
      expect(
        (await call(url('scaler'), 'GET', '/metrics', await idp.token(claims, { expiresAt: now - 5 }))).status,
      ).toBe(200);
    });

    it('answers 403 to a valid token that carries no role', async () => {
      const token = await idp.token({});
      const answer = await call(url('event-store'), 'GET', '/events/head', token);
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ code: ErrorCode.FORBIDDEN, message: expect.stringContaining('dana has none') });
    });

    it('answers 503 UNAVAILABLE while the JWKS cannot be fetched, and static tokens keep working', async () => {
      const closed = await freePort();
      const running = await startApp('telemetry', {
        DATABASE_URL: database,
        OPERATOR_TOKENS,
        OIDC_ISSUER: idp.issuer,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_JWKS_URL: `http://127.0.0.1:${closed}/jwks`,
      });
      try {
        const answer = await call(running.url, 'GET', '/metrics', await idp.token({ roles: ['viewer'] }));
        expect(answer.status).toBe(503);
        expect(answer.body.code).toBe(ErrorCode.UNAVAILABLE);
        expect((await call(running.url, 'GET', '/metrics', TOKENS.viewer)).status).toBe(200);
      } finally {
        await running.app.close();
      }
    });
  });

  describe('every operation declares its role', () => {
    let documents: Record<AppName, OpenApi>;

    beforeAll(async () => {
      documents = {} as Record<AppName, OpenApi>;
      for (const app of APP_NAMES) {
        documents[app] = (await call(url(app), 'GET', '/docs-json', TOKENS.viewer)).body as unknown as OpenApi;
      }
    });

    it('in Swagger: bearer security, x-required-role, the role in the description, 401 and 403 with the error body', () => {
      for (const app of APP_NAMES) {
        const operations = operationsOf(documents[app]);
        expect(operations.length).toBeGreaterThan(0);
        for (const { method, path, operation } of operations) {
          const where = `${app} ${method} ${path}`;
          const role = operation['x-required-role'];
          expect([where, OPERATOR_ROLES.includes(role as never)]).toEqual([where, true]);
          expect([where, operation.security]).toEqual([where, [{ bearer: [] }]]);
          expect([where, operation.description]).toEqual([where, expect.stringContaining(`\`${String(role)}\` role`)]);
          for (const status of ['401', '403']) {
            const schema = operation.responses?.[status]?.content?.['application/json']?.schema;
            expect([where, status, schema]).toEqual([where, status, { $ref: '#/components/schemas/ErrorBody' }]);
          }
        }
      }
    });

    it('in the Nest metadata of every app: each route declares a role or is public, and Swagger shows them all', () => {
      for (const app of APP_NAMES) {
        const routes = httpRoutes(apps[app].app);
        expect(routes.filter((route) => route.access === undefined)).toEqual([]);
        expect(routes.filter((route) => route.access === 'public').map((route) => route.path)).toEqual([
          '/health/live',
          '/health/ready',
        ]);
        const declared = routes
          .filter((route) => route.access !== 'public')
          .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')} ${route.access}`)
          .sort();
        const shown = operationsOf(documents[app])
          .map(
            ({ method, path, operation }) => `${method.toUpperCase()} ${path} ${String(operation['x-required-role'])}`,
          )
          .sort();
        expect(shown).toEqual(declared);
      }
    });

    it('matches the role table of docs/security.md', () => {
      const text = readFileSync(join(__dirname, '..', 'docs', 'security.md'), 'utf8');
      const table = /<!-- roles:table -->\s*([\s\S]*?)\s*<!-- \/roles:table -->/.exec(text)?.[1] ?? '';
      const expected = roleRows(documents);
      if (JSON.stringify(markdownRows(table)) !== JSON.stringify(expected)) {
        const lines = [
          '| app | operation | role |',
          '| --- | --- | --- |',
          ...expected.map((row) => `| ${row.join(' | ')} |`),
        ];
        console.log(`docs/security.md should hold this table:\n${lines.join('\n')}`);
      }
      expect(markdownRows(table)).toEqual(expected);
    });

    it('refuses to boot an app with an operation that declares no role', async () => {
      @Controller('probe')
      class ProbeHttpController {
        @Get()
        @Requires('viewer')
        read(): string {
          return 'ok';
        }

        @Delete(':id')
        forgotten(): void {}
      }
      const config = loadConfig(class extends BaseConfig {}, { ...TEST_ENV, DATABASE_URL: database });
      @Module({
        imports: [PlatformModule.forApp({ app: 'scaler', config, database: { schema: 'probe', migrations: [] } })],
        controllers: [ProbeHttpController],
      })
      class ProbeModule {}
      const definition: AppDefinition = {
        name: 'scaler',
        title: 'probe',
        description: 'probe',
        module: { module: ProbeModule },
        config,
      };
      await expect(createEventoApp(definition)).rejects.toThrow(
        'DELETE /probe/:id (ProbeHttpController.forgotten) declares no role',
      );
    });
  });

  it("logs the operator's name with each write, never the token", async () => {
    await ensureBuilt('registry');
    const port = await freePort();
    const registry = new AppProcess('registry', {
      DATABASE_URL: database,
      HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
      OPERATOR_TOKENS,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          if (!registry.running) throw new Error(`registry exited:\n${registry.output}`);
          return (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200;
        },
        { timeoutMs: 30_000, what: 'the registry process to be ready' },
      );
      const set = await call(base, 'PUT', '/bundles/roles-log/configuration/k', TOKENS.operator, { value: 'v' });
      expect(set.status).toBe(200);
      await waitFor(
        () => registry.output.includes('PUT /bundles/roles-log/configuration/k by ops-bob (operator, static)'),
        {
          what: 'the write to be logged with the operator name',
        },
      );
      const line = registry.output.split('\n').find((text) => text.includes('by ops-bob'))!;
      expect(JSON.parse(line)).toMatchObject({ operator: 'ops-bob', req: { headers: { authorization: '***' } } });
      expect(registry.output).not.toContain(TOKENS.operator);
    } finally {
      await registry.stop();
    }
  });
});
