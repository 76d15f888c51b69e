import {
  type CommandResult,
  ErrorCode,
  EventStoreContracts,
  GatewayContracts,
  type GatewayTelemetryBatch,
  Headers,
  TelemetryContracts,
  type InstanceWork,
  type SendCommandRequest,
} from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { headers as natsHeadersOf } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { useApps } from '../support/apps';
import { counterDescriptor, counterRules, SimulatedBundle, type WorkHandler } from './simulated-bundle';

function natsHeaders(name: string, value: string) {
  const h = natsHeadersOf();
  h.set(name, value);
  return h;
}

const REGISTRY_ENV = { HEARTBEAT_INTERVAL_MS: '200', INSTANCE_LEASE_MS: '1500', LEASE_SWEEP_MS: '200' };

describe('the gateway', () => {
  const store = useApps('event-store', { label: 'gw_cmd_es' });
  const registry = useApps('registry', { label: 'gw_cmd_rg', env: REGISTRY_ENV });
  const gateways = useApps('gateway', { label: 'gw_cmd_gw', count: 2 });
  const bundles: SimulatedBundle[] = [];

  async function startBundle(handle: WorkHandler = counterRules, bundleId = 'counter'): Promise<SimulatedBundle> {
    const bundle = new SimulatedBundle(registry.nc, registry.client, bundleId, counterDescriptor(), handle);
    await bundle.start();
    bundles.push(bundle);
    return bundle;
  }

  /** Both gateways route to exactly these instances. */
  async function routedEverywhere(instances: SimulatedBundle[]): Promise<void> {
    const expected = instances.map((bundle) => bundle.instanceId).sort();
    await waitFor(
      async () => {
        for (const gateway of gateways.apps) {
          const table = (await (await fetch(`${gateway.url}/routing?payload=Increment`)).json()) as {
            routes: Array<{ instances: string[] }>;
          };
          const routed = table.routes[0]?.instances.slice().sort() ?? [];
          if (JSON.stringify(routed) !== JSON.stringify(expected)) return false;
        }
        return true;
      },
      { what: `gateways routing to ${expected.join(', ')}`, timeoutMs: 10_000 },
    );
  }

  const command = (body: SendCommandRequest, requestId?: string) =>
    gateways.client.request(GatewayContracts.command, body, { timeoutMs: 10_000, requestId });

  afterEach(async () => {
    await Promise.all(bundles.splice(0).map((bundle) => bundle.stop()));
  });

  it('runs a domain command against its story and stores the event with the next version', async () => {
    const bundle = await startBundle();
    await routedEverywhere([bundle]);
    const id = `counter-${randomUUID()}`;
    const created = await command({ command: 'CreateCounter', aggregateId: id, payload: { start: 10 } });
    expect(created).toMatchObject({
      kind: 'domain-command',
      bundleId: 'counter',
      instanceId: bundle.instanceId,
      replayed: false,
      aggregateDeleted: false,
      event: { aggregateId: id, aggregateVersion: 1, eventName: 'CounterCreated', payload: { value: 10 } },
    });
    expect(created.event!.position).toMatch(/^\d+$/);

    const results: CommandResult[] = [];
    for (let i = 0; i < 5; i += 1) {
      results.push(
        await command({ command: 'Increment', aggregateId: id, payload: { by: 2 }, metadata: { user: 'ann' } }),
      );
    }
    expect(results.map((r) => r.event!.aggregateVersion)).toEqual([2, 3, 4, 5, 6]);
    expect(results.map((r) => r.event!.payload.value)).toEqual([12, 14, 16, 18, 20]);
    expect(results[0].event!.metadata).toMatchObject({
      user: 'ann',
      by: 2,
      evento: { command: 'Increment', bundleId: 'counter' },
    });

    // The bundle got the story: the created event and every increment before the command.
    const increments = bundle.received.filter((r) => r.work.type === 'domain-command' && r.work.aggregateId === id);
    const lastStory = increments[increments.length - 1].work as Extract<InstanceWork, { type: 'domain-command' }>;
    expect(lastStory.story.version).toBe(5);
    expect(lastStory.story.snapshot).toMatchObject({ version: 5, state: { value: 18 } });
    expect(lastStory.story.events).toEqual([]);

    // Stored as the caller was told, with the snapshot the bundle returned at version 5.
    const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId: id, ignoreSnapshot: true });
    expect(story.version).toBe(6);
    expect(story.events.map((e) => [e.aggregateVersion, e.position])).toEqual(
      [created, ...results].map((r) => [r.event!.aggregateVersion, r.event!.position]),
    );
    const snapshot = await store.client.request(EventStoreContracts.loadSnapshot, { aggregateId: id });
    expect(snapshot).toMatchObject({ version: 5, state: { value: 18 } });
  });

  it('deletes the aggregate when the bundle says so, and the bundle refuses later commands', async () => {
    const bundle = await startBundle();
    await routedEverywhere([bundle]);
    const id = `counter-${randomUUID()}`;
    await command({ command: 'CreateCounter', aggregateId: id, payload: {} });
    const deleted = await command({ command: 'DeleteCounter', aggregateId: id, payload: {} });
    expect(deleted.aggregateDeleted).toBe(true);
    expect(deleted.event!.deletedAt).toEqual(expect.any(String));
    await expect(command({ command: 'Increment', aggregateId: id, payload: { by: 1 } })).rejects.toMatchObject({
      code: ErrorCode.HANDLER_FAILED,
      message: 'The counter was deleted',
      details: { errorName: 'AggregateDeletedError' },
    });
  });

  it('answers a retried request id with the first result, on the same or another gateway', async () => {
    const bundle = await startBundle();
    await routedEverywhere([bundle]);
    const id = `counter-${randomUUID()}`;
    await command({ command: 'CreateCounter', aggregateId: id, payload: {} });
    const requestId = randomUUID();
    const first = await command({ command: 'Increment', aggregateId: id, payload: { by: 1 } }, requestId);
    const again = await command({ command: 'Increment', aggregateId: id, payload: { by: 1 } }, requestId);
    expect(again).toMatchObject({ replayed: true, event: { position: first.event!.position } });

    // Over HTTP, on each gateway: one has it cached, the other finds the event in the story.
    const viaHttp = await Promise.all(
      gateways.apps.map(async (gateway) => {
        const res = await fetch(`${gateway.url}/commands/Increment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'evento-request-id': requestId },
          body: JSON.stringify({ aggregateId: id, payload: { by: 1 } }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as CommandResult;
      }),
    );
    for (const result of viaHttp) {
      expect(result).toMatchObject({ replayed: true, event: { position: first.event!.position } });
    }
    const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId: id });
    expect(story.version).toBe(2);
  });

  it('keeps every aggregate contiguous under 500 concurrent commands from 2 gateways to 3 instances', async () => {
    // Each decision takes a moment, so commands on one aggregate from the two gateways collide.
    const slowRules = async (work: InstanceWork) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return counterRules(work);
    };
    const instances = [await startBundle(slowRules), await startBundle(slowRules), await startBundle(slowRules)];
    await routedEverywhere(instances);
    const ids = Array.from({ length: 10 }, () => `counter-${randomUUID()}`);
    await Promise.all(ids.map((id) => command({ command: 'CreateCounter', aggregateId: id, payload: {} })));

    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        gateways.client.request(
          GatewayContracts.command,
          { command: 'Increment', aggregateId: ids[i % 10], payload: { by: 1 } },
          { timeoutMs: 60_000 },
        ),
      ),
    );
    expect(results.every((r) => r.event !== null)).toBe(true);
    for (const id of ids) {
      const versions: number[] = [];
      let afterVersion: number | undefined;
      for (;;) {
        const page = await store.client.request(EventStoreContracts.loadStory, {
          aggregateId: id,
          ignoreSnapshot: true,
          afterVersion,
        });
        versions.push(...page.events.map((e) => e.aggregateVersion!));
        if (page.nextAfterVersion === null) break;
        afterVersion = page.nextAfterVersion;
      }
      // 1 create + 50 increments, versions 1..51, none twice, none missing.
      expect(versions).toEqual(Array.from({ length: 51 }, (_, v) => v + 1));
      const values = results.filter((r) => r.event!.aggregateId === id).map((r) => r.event!.payload.value as number);
      expect(new Set(values).size).toBe(50);
      // Affinity: while membership is stable, one aggregate is handled by one instance.
      const handledBy = new Set(results.filter((r) => r.event!.aggregateId === id).map((r) => r.instanceId));
      expect(handledBy.size).toBe(1);
    }
    // Each command stored exactly once: 500 distinct events, each from its own request.
    expect(new Set(results.map((r) => r.event!.eventId)).size).toBe(500);
    expect(new Set(results.map((r) => r.event!.position)).size).toBe(500);
    // The aggregates spread over the instances.
    expect(new Set(results.map((r) => r.instanceId)).size).toBeGreaterThan(1);
  }, 90_000);

  it('never runs two service commands with the same lock id at once, across gateways and instances', async () => {
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    const mailer: WorkHandler = async (work) => {
      if (work.type !== 'service-command') return counterRules(work);
      const key = work.lockId ?? 'none';
      active.set(key, (active.get(key) ?? 0) + 1);
      peak.set(key, Math.max(peak.get(key) ?? 0, active.get(key)!));
      await new Promise((resolve) => setTimeout(resolve, 15));
      active.set(key, active.get(key)! - 1);
      const to = work.payload.to as string;
      return { data: { event: to === 'nobody' ? null : { eventName: 'MailSent', payload: { to } } } };
    };
    const instances = [await startBundle(mailer), await startBundle(mailer)];
    await routedEverywhere(instances);
    const send = (to: string, lockId?: string) =>
      gateways.client.request(
        GatewayContracts.command,
        { command: 'SendMail', payload: { to }, lockId },
        { timeoutMs: 30_000 },
      );

    const results = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => send(`locked-${i}`, 'mailbox-1')),
      ...Array.from({ length: 12 }, (_, i) => send(`free-${i}`)),
    ]);
    expect(peak.get('mailbox-1')).toBe(1);
    // Without a lock id the same handler does overlap: the measurement can see concurrency.
    expect(peak.get('none')).toBeGreaterThan(1);
    expect(new Set(results.map((r) => r.instanceId)).size).toBe(2);
    for (const result of results) {
      expect(result).toMatchObject({
        kind: 'service-command',
        event: { eventName: 'MailSent', aggregateVersion: null },
      });
    }
    const stored = await store.client.request(EventStoreContracts.fetch, { eventNames: ['MailSent'], limit: 100 });
    expect(stored.events.length).toBe(24);

    const none = await send('nobody');
    expect(none.event).toBeNull();
  }, 60_000);

  it('relays queries to a projection instance: one view, many, or none', async () => {
    const projection: WorkHandler = (work) => {
      if (work.type !== 'query') return counterRules(work);
      const id = work.payload.id as string | undefined;
      if (id === 'all') return { data: { result: [{ id: 'a' }, { id: 'b' }] } };
      if (id === 'missing') return { data: { result: null } };
      return { data: { result: { id, value: 3 } } };
    };
    const bundle = await startBundle(projection);
    await routedEverywhere([bundle]);
    const ask = (id: string) =>
      gateways.client.request(GatewayContracts.query, { query: 'FindCounter', payload: { id } });
    expect(await ask('c1')).toEqual({
      result: { id: 'c1', value: 3 },
      bundleId: 'counter',
      instanceId: bundle.instanceId,
    });
    expect((await ask('all')).result).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect((await ask('missing')).result).toBeNull();

    const res = await fetch(`${gateways.apps[0].url}/queries/FindCounter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { id: 'c2' } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ result: { id: 'c2' } });
  });

  it('refuses a query reply that breaks the protocol', async () => {
    const broken: WorkHandler = () => ({ data: { result: 42 } });
    const bundle = await startBundle(broken);
    await routedEverywhere([bundle]);
    await expect(
      gateways.client.request(GatewayContracts.query, { query: 'FindCounter', payload: {} }),
    ).rejects.toMatchObject({ code: ErrorCode.HANDLER_FAILED, details: { errorName: 'InvalidReply' } });
  });

  it('refuses every command reply that breaks the protocol with HANDLER_FAILED InvalidReply, and stores nothing', async () => {
    const replies: unknown[] = [
      { data: { foo: 1 } },
      { data: { event: null } },
      { data: { event: 'Incremented' } },
      { data: { event: { eventName: 'Incremented' } } },
      { data: { event: { eventName: 'Incremented', payload: [] } } },
      { data: { event: { eventName: 'has space', payload: {} } } },
      { data: { event: { eventName: 'Incremented', payload: {} }, snapshot: {} } },
      { data: { event: { eventName: 'Incremented', payload: {} }, deleteAggregate: 'yes' } },
      { data: [] },
      { data: 'ok' },
      { data: null },
      {},
      [],
      'not an envelope',
    ];
    let next = 0;
    const broken: WorkHandler = (work) => {
      if (work.type === 'domain-command' && work.command === 'CreateCounter') return counterRules(work);
      return replies[next] as never;
    };
    const bundle = await startBundle(broken);
    await routedEverywhere([bundle]);
    const id = `counter-${randomUUID()}`;
    await command({ command: 'CreateCounter', aggregateId: id, payload: {} });
    for (; next < replies.length; next += 1) {
      const what = JSON.stringify(replies[next]);
      for (const body of [
        { command: 'Increment', aggregateId: id, payload: { by: 1 } },
        // A service command's reply may leave the event out; the rest breaks its shape too.
        ...((next >= 2 && next <= 5) || next >= 8 ? [{ command: 'SendMail', payload: { to: 'x' } }] : []),
      ]) {
        const error = await command(body).then(
          () => new Error(`${what} was accepted`),
          (e: unknown) => e,
        );
        expect({ what, error }).toMatchObject({
          what,
          error: { code: ErrorCode.HANDLER_FAILED, details: { errorName: 'InvalidReply' } },
        });
      }
    }
    const story = await store.client.request(EventStoreContracts.loadStory, { aggregateId: id });
    expect(story.version).toBe(1);
  });

  it('publishes an event to its topic once, however often it is retried', async () => {
    const eventId = `announcement-${randomUUID()}`;
    const first = await gateways.client.request(GatewayContracts.publish, {
      eventName: 'Announcement',
      context: 'news',
      payload: { text: 'hello' },
      eventId,
    });
    expect(first).toMatchObject({
      duplicate: false,
      event: { eventName: 'Announcement', context: 'news', eventId, aggregateId: null, payload: { text: 'hello' } },
    });
    const again = await gateways.client.request(GatewayContracts.publish, {
      eventName: 'Announcement',
      context: 'news',
      payload: { text: 'hello' },
      eventId,
    });
    expect(again).toMatchObject({ duplicate: true, event: { position: first.event.position } });
    const read = await store.client.request(EventStoreContracts.fetch, {
      context: 'news',
      eventNames: ['Announcement'],
    });
    expect(read.events.map((e) => e.eventId)).toEqual([eventId]);

    const viaHttp = await fetch(`${gateways.apps[1].url}/events/Announcement`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ context: 'news', payload: { text: 'second' } }),
    });
    expect(viaHttp.status).toBe(201);
  });

  it('measures each phase: Prometheus histograms and samples batched to telemetry', async () => {
    const batches: GatewayTelemetryBatch[] = [];
    const sub = gateways.nc.subscribe(TelemetryContracts.gatewaySamples.subject, {
      callback: (_e, msg) => {
        batches.push(msg.json<GatewayTelemetryBatch>());
      },
    });
    const bundle = await startBundle();
    await routedEverywhere([bundle]);
    const id = `counter-${randomUUID()}`;
    await command({ command: 'CreateCounter', aggregateId: id, payload: {} });
    await command({ command: 'Increment', aggregateId: id, payload: { by: 1 } });
    await expect(
      command({ command: 'Increment', aggregateId: `x-${randomUUID()}`, payload: { by: 1 } }),
    ).rejects.toThrow();
    const increments = () => batches.flatMap((b) => b.samples).filter((s) => s.payload === 'Increment');
    await waitFor(
      () => increments().some((s) => s.outcome === 'ok') && increments().some((s) => s.outcome === 'error'),
      {
        what: 'telemetry samples',
        timeoutMs: 10_000,
      },
    );
    sub.unsubscribe();
    const ok = increments().find((s) => s.outcome === 'ok')!;
    expect(ok).toMatchObject({ kind: 'domain-command', bundleId: 'counter', events: ['Incremented'] });
    expect(ok.loadMs).toBeGreaterThan(0);
    expect(ok.bundleMs).toBeGreaterThan(0);
    expect(ok.appendMs).toBeGreaterThan(0);
    expect(ok.totalMs).toBeGreaterThanOrEqual(ok.loadMs + ok.bundleMs + ok.appendMs);
    expect(increments().find((s) => s.outcome === 'error')).toMatchObject({ errorCode: ErrorCode.HANDLER_FAILED });

    // Either gateway may have served the commands (one queue group).
    const text = (
      await Promise.all(gateways.apps.map(async (gateway) => (await fetch(`${gateway.url}/metrics`)).text()))
    ).join('\n');
    for (const phase of ['wait', 'load', 'bundle', 'append', 'total']) {
      expect(text).toMatch(
        new RegExp(
          `evento_gateway_request_phase_seconds_count\\{[^}]*kind="domain-command"[^}]*phase="${phase}"[^}]*\\} \\d+`,
        ),
      );
    }
  });

  describe('errors', () => {
    it('NO_HANDLER when no bundle declares the payload', async () => {
      await expect(command({ command: 'NoSuchCommand', aggregateId: 'x', payload: {} })).rejects.toMatchObject({
        code: ErrorCode.NO_HANDLER,
      });
      const res = await fetch(`${gateways.apps[0].url}/queries/NoSuchQuery`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payload: {} }),
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: ErrorCode.NO_HANDLER });
    });

    it('NO_AVAILABLE_INSTANCE when the bundle is known but none of its instances is available', async () => {
      const bundle = await startBundle();
      await routedEverywhere([bundle]);
      await bundle.stop();
      await routedEverywhere([]);
      await expect(command({ command: 'Increment', aggregateId: 'x', payload: { by: 1 } })).rejects.toMatchObject({
        code: ErrorCode.NO_AVAILABLE_INSTANCE,
      });
    });

    it('HANDLER_FAILED with the error name and message, and no stack outside development', async () => {
      const bundle = await startBundle();
      await routedEverywhere([bundle]);
      const error = await command({
        command: 'Increment',
        aggregateId: `never-${randomUUID()}`,
        payload: { by: 1 },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: ErrorCode.HANDLER_FAILED,
        message: 'No such counter',
        details: { errorName: 'AggregateNotInitializedError' },
      });
      expect((error as { details: Record<string, unknown> }).details.stack).toBeUndefined();
    });

    it("VALIDATION_FAILED from the bundle's own payload rules, with the fields", async () => {
      const strict: WorkHandler = () => ({
        error: {
          code: 'VALIDATION_FAILED',
          message: 'by must be a positive integer',
          details: [{ property: 'by', constraints: { isPositive: 'by must be a positive integer' } }],
        },
      });
      const bundle = await startBundle(strict);
      await routedEverywhere([bundle]);
      await expect(command({ command: 'Increment', aggregateId: 'x', payload: { by: -1 } })).rejects.toMatchObject({
        code: ErrorCode.VALIDATION_FAILED,
        details: [{ property: 'by', constraints: { isPositive: 'by must be a positive integer' } }],
      });
    });

    it('VALIDATION_FAILED for a domain command without an aggregate id, or a body that breaks the contract', async () => {
      const bundle = await startBundle();
      await routedEverywhere([bundle]);
      await expect(command({ command: 'Increment', payload: { by: 1 } })).rejects.toMatchObject({
        code: ErrorCode.VALIDATION_FAILED,
      });
      const raw = await gateways.nc.request(
        GatewayContracts.command.subject,
        JSON.stringify({ command: 'Increment', payload: 7 }),
      );
      expect(JSON.parse(raw.string())).toMatchObject({ error: { code: ErrorCode.VALIDATION_FAILED } });
      const badHeader = await gateways.nc.request(
        GatewayContracts.command.subject,
        JSON.stringify({ command: 'Increment', aggregateId: 'x', payload: {} }),
        { timeout: 5_000, headers: natsHeaders(Headers.deadline, 'tomorrow') },
      );
      expect(JSON.parse(badHeader.string())).toMatchObject({ error: { code: ErrorCode.VALIDATION_FAILED } });
    });

    it('DEADLINE_EXCEEDED when the bundle is still working at the deadline, which it was told', async () => {
      const slow: WorkHandler = async (work) => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return work.type === 'query' ? { data: { result: null } } : counterRules(work);
      };
      const bundle = await startBundle(slow);
      await routedEverywhere([bundle]);
      const deadline = Date.now() + 400;
      const started = Date.now();
      const reply = await gateways.nc.request(
        GatewayContracts.query.subject,
        JSON.stringify({ query: 'FindCounter', payload: {} }),
        { timeout: 5_000, headers: natsHeaders(Headers.deadline, String(deadline)) },
      );
      expect(JSON.parse(reply.string())).toMatchObject({ error: { code: ErrorCode.DEADLINE_EXCEEDED } });
      expect(Date.now() - started).toBeLessThan(1_400);
      // The bundle got the caller's deadline, not a fresh one.
      expect(bundle.received.at(-1)!.deadline).toBe(deadline);
    });
  });
});
