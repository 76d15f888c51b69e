import { defineRequest, ErrorCode, EventoError } from '@evento/contracts';
import {
  type AppDefinition,
  BaseConfig,
  ContractClient,
  createEventoApp,
  loadConfig,
  MetricsService,
  NatsRoutes,
  PlatformModule,
} from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TEST_ENV } from './support/apps';

/**
 * NatsRoutes, the path hot subjects take instead of Nest's RPC pipeline, keeps the pipeline's
 * promises: validated bodies with undeclared keys stripped, typed errors (unknown ones as an
 * id, never their message), the rejected-input metric, and a shutdown that answers what it took.
 */

class EchoRequest {
  @Matches(/^[a-z]{1,20}$/, { message: 'word must be 1-20 lower-case letters' })
  word: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2000)
  delayMs?: number;

  @IsOptional()
  @IsIn(['conflict', 'crash'])
  fail?: 'conflict' | 'crash';
}

class EchoResponse {
  word: string;
  keys: string[];
}

const Echo = defineRequest('evento.v1.test.routes.echo', EchoRequest, EchoResponse);
const SECRET = 'database password is hunter2';

@Injectable()
class EchoRoute implements OnApplicationBootstrap {
  constructor(private readonly routes: NatsRoutes) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.routes.serve('scaler', Echo, async (request) => {
      if (request.delayMs) await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      if (request.fail === 'conflict') throw new EventoError(ErrorCode.CONFLICT, 'Not now');
      if (request.fail === 'crash') throw new Error(SECRET);
      return { word: request.word, keys: Object.keys(request).sort() };
    });
  }
}

class CreateRoutesSchema1763800000002 implements MigrationInterface {
  name = 'CreateRoutesSchema1763800000002';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE SCHEMA "routes"');
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA "routes"');
  }
}

class RoutesConfig extends BaseConfig {
  override HTTP_PORT = 0;
}

function routesApp(url: string): AppDefinition {
  const config = loadConfig(RoutesConfig, { ...TEST_ENV, DATABASE_URL: url });
  @Module({
    imports: [
      PlatformModule.forApp({
        app: 'scaler',
        config,
        database: { schema: 'routes', migrations: [CreateRoutesSchema1763800000002] },
      }),
    ],
    providers: [EchoRoute],
  })
  class RoutesModule {}
  return { name: 'scaler', title: 'routes', description: 'routes', module: { module: RoutesModule }, config };
}

async function errorOf(promise: Promise<unknown>): Promise<EventoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EventoError) return error;
    throw error;
  }
  throw new Error('expected an error reply');
}

describe('NatsRoutes', () => {
  const url = freshDatabaseUrl('routes');
  let nc: NatsConnection;
  let client: ContractClient;
  let app: NestExpressApplication | undefined;

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    app = await createEventoApp(routesApp(url));
  });

  afterAll(async () => {
    await app?.close();
    await nc.drain();
    await dropDatabase(url);
  });

  it('hands the handler a validated body, undeclared keys stripped', async () => {
    await expect(client.request(Echo, { word: 'hello', extra: 1 } as EchoRequest)).resolves.toEqual({
      word: 'hello',
      keys: ['word'],
    });
  });

  it('answers bad input with typed errors and counts each one', async () => {
    const invalid = await errorOf(client.request(Echo, { word: 'Not OK' }));
    expect(invalid.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(invalid.message).toBe('word must be 1-20 lower-case letters');
    expect(invalid.details).toEqual([
      { property: 'word', constraints: { matches: 'word must be 1-20 lower-case letters' } },
    ]);

    const raw = (body: string) => nc.request(Echo.subject, body, { timeout: 2_000 });
    const malformed = JSON.parse((await raw('{not json')).string()) as { error: { code: string } };
    expect(malformed.error.code).toBe(ErrorCode.MALFORMED_MESSAGE);
    const array = JSON.parse((await raw('[1]')).string()) as { error: { code: string; message: string } };
    expect(array.error).toMatchObject({ code: ErrorCode.VALIDATION_FAILED, message: 'The body must be a JSON object' });

    const metrics = await app!.get(MetricsService).registry.getSingleMetric('evento_nats_error_replies_total')!.get();
    const count = (code: string) =>
      metrics.values.find((v) => v.labels.subject === Echo.subject && v.labels.code === code)?.value ?? 0;
    expect(count(ErrorCode.VALIDATION_FAILED)).toBe(2);
    expect(count(ErrorCode.MALFORMED_MESSAGE)).toBe(1);
  });

  it("relays the handler's domain errors, and hides unknown ones behind an id", async () => {
    const conflict = await errorOf(client.request(Echo, { word: 'again', fail: 'conflict' }));
    expect(conflict).toMatchObject({ code: ErrorCode.CONFLICT, message: 'Not now' });

    const reply = await nc.request(Echo.subject, JSON.stringify({ word: 'boom', fail: 'crash' }), { timeout: 2_000 });
    const text = reply.string();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({
      error: { code: ErrorCode.INTERNAL, message: 'Internal error', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
  });

  it('on shutdown answers the requests it took, then takes no more', async () => {
    const slow = client.request(Echo, { word: 'slow', delayMs: 400 }, { timeoutMs: 3_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await app!.close();
    app = undefined;
    await expect(slow).resolves.toEqual({ word: 'slow', keys: ['delayMs', 'word'] });
    const after = await errorOf(client.request(Echo, { word: 'late' }, { timeoutMs: 1_000 }));
    expect(after.code).toBe(ErrorCode.UNAVAILABLE);
  });
});
