import { defineEvent, defineRequest, ErrorCode, EventoError, Headers } from '@evento/contracts';
import {
  type AppDefinition,
  BaseConfig,
  ContractClient,
  createEventoApp,
  type InboundMessage,
  loadConfig,
  MetricsService,
  PlatformModule,
  Serve,
} from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl, waitFor } from '@evento/testing';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { Controller, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TEST_ENV } from './support/apps';

/**
 * The NATS edge, the one way a message reaches a handler: validated bodies with undeclared
 * keys stripped, typed errors (unknown ones as an id, never their message), the caller's
 * deadline, the rejected-input metrics, fire-and-forget and fan-out subjects, and a shutdown
 * that answers what it took.
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
  @IsIn(['conflict', 'crash', 'hold'])
  fail?: 'conflict' | 'crash' | 'hold';
}

class EchoResponse {
  word: string;
  keys: string[];
  deadline: number | null;
  replica: string;
}

class Notice {
  @Matches(/^[a-z]{1,20}$/)
  word: string;
}

const Echo = defineRequest('evento.v1.test.edge.echo', EchoRequest, EchoResponse);
const Shared = defineEvent('evento.v1.test.edge.shared', Notice);
const Broadcast = defineEvent('evento.v1.test.edge.broadcast', Notice);
const SECRET = 'database password is hunter2';

/** What each replica's handlers saw, read by the tests. */
class Seen {
  shared: string[] = [];
  broadcast: string[] = [];
  started: string[] = [];
  private release?: () => void;
  readonly held = new Promise<void>((resolve) => (this.release = resolve));
  letGo(): void {
    this.release?.();
  }
}

class CreateEdgeSchema1763800000002 implements MigrationInterface {
  name = 'CreateEdgeSchema1763800000002';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE SCHEMA IF NOT EXISTS "edge"');
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA "edge"');
  }
}

class EdgeConfig extends BaseConfig {
  override HTTP_PORT = 0;
}

function edgeApp(url: string, seen: Seen, replica: string): AppDefinition {
  const config = loadConfig(EdgeConfig, { ...TEST_ENV, DATABASE_URL: url });

  @Controller()
  class EchoController {
    @Serve(Echo)
    async echo(request: EchoRequest, message: InboundMessage): Promise<EchoResponse> {
      seen.started.push(request.word);
      if (request.fail === 'hold') await seen.held;
      if (request.delayMs) await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      if (request.fail === 'conflict') throw new EventoError(ErrorCode.CONFLICT, 'Not now');
      if (request.fail === 'crash') throw new Error(SECRET);
      return { word: request.word, keys: Object.keys(request).sort(), deadline: message.deadline ?? null, replica };
    }

    @Serve(Shared)
    shared(notice: Notice): void {
      seen.shared.push(notice.word);
    }

    @Serve(Broadcast, { fanOut: true })
    broadcast(notice: Notice): void {
      seen.broadcast.push(notice.word);
    }
  }

  @Module({
    imports: [
      PlatformModule.forApp({
        app: 'scaler',
        config,
        database: { schema: 'edge', migrations: [CreateEdgeSchema1763800000002] },
      }),
    ],
    controllers: [EchoController],
  })
  class EdgeModule {}
  return { name: 'scaler', title: 'edge', description: 'edge', module: { module: EdgeModule }, config };
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

async function counter(app: NestExpressApplication, name: string, subject: string, code: string): Promise<number> {
  const metric = await app.get(MetricsService).registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => v.labels.subject === subject && v.labels.code === code)?.value ?? 0;
}

describe('the NATS edge', () => {
  const url = freshDatabaseUrl('edge');
  const seen = [new Seen(), new Seen()];
  let nc: NatsConnection;
  let client: ContractClient;
  let apps: Array<NestExpressApplication | undefined> = [];

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    apps = [await createEventoApp(edgeApp(url, seen[0], 'one')), await createEventoApp(edgeApp(url, seen[1], 'two'))];
  });

  afterAll(async () => {
    seen.forEach((s) => s.letGo());
    for (const app of apps) await app?.close();
    await nc.drain();
    await dropDatabase(url);
  });

  it('hands the handler a validated body, undeclared keys stripped, and the caller’s deadline', async () => {
    const before = Date.now();
    const reply = await client.request(Echo, { word: 'hello', extra: 1 } as EchoRequest, { timeoutMs: 4_000 });
    expect(reply).toMatchObject({ word: 'hello', keys: ['word'] });
    expect(reply.deadline).toBeGreaterThanOrEqual(before + 4_000);
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

    const total = async (code: string) =>
      (await counter(apps[0]!, 'evento_nats_error_replies_total', Echo.subject, code)) +
      (await counter(apps[1]!, 'evento_nats_error_replies_total', Echo.subject, code));
    expect(await total(ErrorCode.VALIDATION_FAILED)).toBe(2);
    expect(await total(ErrorCode.MALFORMED_MESSAGE)).toBe(1);
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

  it('refuses a request whose deadline has passed without running it, and a malformed deadline', async () => {
    const send = async (deadline: string) => {
      const h = natsHeaders();
      h.set(Headers.deadline, deadline);
      const reply = await nc.request(Echo.subject, JSON.stringify({ word: 'late' }), { timeout: 2_000, headers: h });
      return JSON.parse(reply.string()) as { error?: { code: string } };
    };
    expect((await send(String(Date.now() - 1))).error?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect((await send('soon')).error?.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(seen.flatMap((s) => s.started)).not.toContain('late');
  });

  it('shares fire-and-forget messages between replicas, and counts the ones it drops', async () => {
    for (const word of ['a', 'b', 'c', 'd', 'e', 'f']) nc.publish(Shared.subject, JSON.stringify({ word }));
    nc.publish(Shared.subject, JSON.stringify({ word: 'NOT VALID' }));
    nc.publish(Shared.subject, '{broken');
    await waitFor(() => seen[0].shared.length + seen[1].shared.length === 6, { what: 'six shared notices' });
    expect([...seen[0].shared, ...seen[1].shared].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const dropped = async (code: string) =>
      (await counter(apps[0]!, 'evento_nats_dropped_messages_total', Shared.subject, code)) +
      (await counter(apps[1]!, 'evento_nats_dropped_messages_total', Shared.subject, code));
    await waitFor(async () => (await dropped(ErrorCode.VALIDATION_FAILED)) === 1, {
      what: 'the invalid notice counted',
    });
    await waitFor(async () => (await dropped(ErrorCode.MALFORMED_MESSAGE)) === 1, { what: 'the broken one counted' });
  });

  it('delivers fan-out messages to every replica', async () => {
    nc.publish(Broadcast.subject, JSON.stringify({ word: 'everyone' }));
    await waitFor(() => seen.every((s) => s.broadcast.includes('everyone')), { what: 'both replicas to see it' });
  });

  it('on shutdown answers the requests it took, then takes no more', async () => {
    // Requests go to either replica; send until each holds at least one.
    const held: Array<Promise<EchoResponse>> = [];
    const holding = () => seen.every((s) => s.started.some((w) => w.startsWith('held')));
    while (!holding() && held.length < 40) {
      held.push(
        client.request(Echo, { word: `held${'x'.repeat(held.length + 1)}`, fail: 'hold' }, { timeoutMs: 8_000 }),
      );
      await waitFor(() => seen.flatMap((s) => s.started).filter((w) => w.startsWith('held')).length === held.length, {
        what: 'the request to be taken',
      });
    }
    expect(holding()).toBe(true);
    const closing = apps[0]!.close();
    apps[0] = undefined;
    seen[0].letGo();
    await closing;
    seen[1].letGo();
    const replies = await Promise.all(held);
    expect(replies.map((r) => r.word)).toEqual(held.map((_, i) => `held${'x'.repeat(i + 1)}`));
    expect(new Set(replies.map((r) => r.replica))).toEqual(new Set(['one', 'two']));
    await apps[1]!.close();
    apps[1] = undefined;
    const after = await errorOf(client.request(Echo, { word: 'late' }, { timeoutMs: 1_000 }));
    expect(after.code).toBe(ErrorCode.UNAVAILABLE);
  });
});
