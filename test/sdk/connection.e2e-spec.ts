import {
  type BundleTelemetryBatch,
  instanceSubjects,
  RegistryContracts,
  ScalerContracts,
  type ScalingSignal,
  TelemetryContracts,
} from '@evento/contracts';
import { EventoBundle, Projection, Query, QueryHandler, View } from '@evento/sdk';
import { TcpProxy, waitFor } from '@evento/testing';
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

@Projection()
class Greeter {
  @QueryHandler({ returns: Greeting })
  greet(query: Greet): Greeting {
    return Greeting.of({ text: `hello ${query.name}` });
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

  it('comes back after the registry was away', async () => {
    const registry = suite.apps.get('registry')!;
    await registry.app.close();
    const replacement = await startApp('registry', { DATABASE_URL: suite.url, ...FAST_REGISTRY });
    suite.apps.set('registry', replacement);
    await waitFor(routed, { timeoutMs: 20_000, what: 'routed by the new registry' });
    expect(bundle.status).toBe('enabled');
  });
});
