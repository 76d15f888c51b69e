import {
  type BundleTelemetryBatch,
  GatewayContracts,
  type SendQueryRequest,
  instanceSubjects,
  RegistryContracts,
  ScalerContracts,
  type ScalingSignal,
  TelemetryContracts,
} from '@evento/contracts';
import { EventoBundle, Projection, Query, type QueryContext, QueryHandler, View } from '@evento/sdk';
import { queryDatabase, TcpProxy, waitFor } from '@evento/testing';
import { headers } from '@nats-io/transport-node';
import { IsString } from 'class-validator';
import { startApp } from '../support/apps';
import { FAST_REGISTRY, useSuite } from './support';

jest.setTimeout(60_000);

class Greeting extends View {
  @IsString()
  text: string;
}

class Greet extends Query<Greeting> {
  @IsString()
  name: string;
}

class GreetTwice extends Query<Greeting> {
  @IsString()
  name: string;
}

@Projection()
class Greeter {
  @QueryHandler({ returns: Greeting })
  greet(query: Greet): Greeting {
    return Greeting.of({ text: `hello ${query.name}` });
  }

  /** Asks another query through the gateway, inside the handler's deadline. */
  @QueryHandler({ returns: Greeting, invokes: [Greet] })
  async greetTwice(query: GreetTwice, context: QueryContext): Promise<Greeting> {
    const once = await context.queryGateway.query(Greet.of({ name: query.name }));
    return Greeting.of({ text: `${once.text}, ${once.text}` });
  }
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('SDK connection: reconnects, several servers, telemetry and scaling signals', () => {
  const suite = useSuite('sdk_connection', ['event-store', 'registry']);
  const proxy = new TcpProxy('127.0.0.1', 4222);
  let bundle: EventoBundle;

  beforeAll(async () => {
    await proxy.start();
  });

  afterAll(async () => {
    await bundle?.stop();
    await proxy.stop();
  });

  const routed = async () => {
    const table = await suite.client.request(RegistryContracts.routingTable, { bundleId: 'greeter' });
    return table.routes.some((route) => route.instances.some((instance) => instance.instanceId === bundle.instanceId));
  };

  const ask = async (name: string) => {
    const reply = await suite.nc.request(
      instanceSubjects('greeter', bundle.instanceId).requests,
      JSON.stringify({ type: 'query', query: 'Greet', payload: { name }, metadata: {} }),
      { timeout: 5_000 },
    );
    return JSON.parse(reply.string()) as { data?: { result: { text: string } } };
  };

  it('connects through the first reachable of several server URLs', async () => {
    bundle = new EventoBundle({
      bundleId: 'greeter',
      bundleVersion: '1.0.0',
      // The first server does not exist; the client moves on to the next.
      servers: ['nats://127.0.0.1:1', `nats://127.0.0.1:${proxy.port}`],
      subjectPrefix: suite.bundleConnection.subjectPrefix,
      token: 'greeter-token-0123456789',
      components: [new Greeter()],
      telemetry: { flushIntervalMs: 200 },
      autoscaling: { maxInFlight: 0, minInFlight: 1, maxOverflow: 1, maxUnderflow: 1, boredTimeoutMs: 60_000 },
      reconnect: { baseMs: 100, maxMs: 1_000 },
      logger: quiet,
    });
    await bundle.start();
    await bundle.enabled();
    expect(await routed()).toBe(true);
  });

  it('publishes telemetry batches and the suffering / bored signals', async () => {
    const batches: BundleTelemetryBatch[] = [];
    const signals: ScalingSignal[] = [];
    const telemetry = suite.nc.subscribe(TelemetryContracts.bundleSamples.subject, {
      callback: (_error, msg) => {
        batches.push(JSON.parse(msg.string()) as BundleTelemetryBatch);
      },
    });
    const scaler = suite.nc.subscribe(ScalerContracts.signal.subject, {
      callback: (_error, msg) => {
        signals.push(JSON.parse(msg.string()) as ScalingSignal);
      },
    });
    try {
      expect((await ask('ann')).data?.result.text).toBe('hello ann');
      await waitFor(() => batches.some((batch) => (batch.samples ?? []).length > 0), {
        what: 'a telemetry batch with samples',
      });
      const sample = batches.flatMap((batch) => batch.samples ?? [])[0];
      expect(sample).toMatchObject({ component: 'Greeter', handler: 'greet', payload: 'Greet', outcome: 'ok' });
      expect(batches[0]).toMatchObject({ bundleId: 'greeter', instanceId: bundle.instanceId });
      expect(batches.find((batch) => batch.invocations)?.invocations?.[0]).toMatchObject({
        component: 'Greeter',
        executions: 1,
      });
      await waitFor(() => signals.length >= 2, { what: 'scaling signals' });
      expect(signals.map((signal) => signal.signal)).toEqual(['suffering', 'bored']);
      expect(signals[0]).toMatchObject({ bundleId: 'greeter', instanceId: bundle.instanceId, capacity: 0 });
    } finally {
      telemetry.unsubscribe();
      scaler.unsubscribe();
    }
  });

  it('comes back after losing NATS for longer than its lease: hello again, enabled again', async () => {
    const session = bundle.session!.sessionId;
    proxy.cut();
    await waitFor(async () => !(await routed()), { timeoutMs: 15_000, what: 'the lease to expire' });
    proxy.restore();
    await waitFor(() => bundle.session!.sessionId !== session, { timeoutMs: 20_000, what: 'a new session' });
    await waitFor(routed, { timeoutMs: 20_000, what: 'routed again' });
    expect((await ask('bob')).data?.result.text).toBe('hello bob');
  });

  it("forwards the handler's deadline and correlation id on the queries it sends", async () => {
    // Plays the gateway: answers the query the handler sends, and keeps its headers.
    const seen: Array<{
      deadline?: string;
      correlation?: string;
      bundleId?: string;
      token?: string;
      body: SendQueryRequest;
    }> = [];
    const gateway = suite.nc.subscribe(GatewayContracts.query.subject, {
      callback: (_error, msg) => {
        seen.push({
          deadline: msg.headers?.get('evento-deadline'),
          correlation: msg.headers?.get('evento-correlation-id'),
          bundleId: msg.headers?.get('evento-bundle-id'),
          token: msg.headers?.get('evento-token'),
          body: JSON.parse(msg.string()) as SendQueryRequest,
        });
        msg.respond(JSON.stringify({ data: { result: { text: 'hi' }, bundleId: 'greeter', instanceId: 'x' } }));
      },
    });
    try {
      const deadline = Date.now() + 4_321;
      const h = headers();
      h.set('evento-deadline', String(deadline));
      h.set('evento-correlation-id', 'corr-42');
      const reply = await suite.nc.request(
        instanceSubjects('greeter', bundle.instanceId).requests,
        JSON.stringify({ type: 'query', query: 'GreetTwice', payload: { name: 'x' }, metadata: {} }),
        { timeout: 5_000, headers: h },
      );
      expect(JSON.parse(reply.string())).toEqual({ data: { result: { text: 'hi, hi' } } });
      expect(seen).toHaveLength(1);
      expect(Number(seen[0].deadline)).toBe(deadline);
      expect(seen[0]).toMatchObject({ correlation: 'corr-42', bundleId: 'greeter', token: 'greeter-token-0123456789' });
      expect(seen[0].body).toMatchObject({
        query: 'Greet',
        payload: { name: 'x' },
        source: { bundleId: 'greeter', instanceId: bundle.instanceId, component: 'Greeter', handler: 'greetTwice' },
      });
    } finally {
      gateway.unsubscribe();
    }
  });

  it('comes back after the registry was away', async () => {
    const registry = suite.apps.get('registry')!;
    await registry.app.close();
    const replacement = await startApp('registry', { DATABASE_URL: suite.url, ...FAST_REGISTRY });
    suite.apps.set('registry', replacement);
    await waitFor(routed, { timeoutMs: 20_000, what: 'routed by the new registry' });
    expect(bundle.status).toBe('enabled');
  });

  it('drains when the server asks: answers, disables, says goodbye and calls onDrained', async () => {
    const drained = new Promise<void>((resolve) => {
      (bundle as unknown as { options: { onDrained?: () => void } }).options.onDrained = resolve;
    });
    const reply = await suite.nc.request(
      instanceSubjects('greeter', bundle.instanceId).control,
      JSON.stringify({ type: 'drain', reason: 'scale down', timeoutMs: 5_000 }),
      { timeout: 5_000 },
    );
    expect(JSON.parse(reply.string())).toEqual({ data: { accepted: true, inFlight: 0 } });
    await drained;
    expect(bundle.status).toBe('stopped');
    const rows = await queryDatabase<{ status: string }>(
      suite.url,
      'SELECT status FROM registry.instances WHERE instance_id = $1',
      [bundle.instanceId],
    );
    expect(rows[0]?.status).toBe('gone');
  });
});
