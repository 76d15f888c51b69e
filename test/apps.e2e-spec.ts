import { APP_NAMES, ErrorCode, EventoError, SystemContracts } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { dropDatabase, freshDatabaseUrl, queryDatabase, TcpProxy, waitFor, connectTestNats } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { APPS, type RunningApp, startApp } from './support/apps';

async function rawRequest(nc: NatsConnection, subject: string, body: string): Promise<unknown> {
  const reply = await nc.request(subject, body, { timeout: 3_000 });
  return JSON.parse(reply.string()) as unknown;
}

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe.each(APP_NAMES)('the %s app', (name) => {
  const subject = SystemContracts.ping[name].subject;
  let nc: NatsConnection;
  let client: ContractClient;
  let proxy: TcpProxy;
  let databaseUrl: string;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    proxy = new TcpProxy('127.0.0.1', 5432);
    const port = await proxy.start();
    // The app reaches Postgres through the proxy, so the test can cut its connection.
    databaseUrl = freshDatabaseUrl(name.replace('-', '_'));
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String(port);
    running = await startApp(name, { DATABASE_URL: viaProxy.toString() });
  });

  afterAll(async () => {
    await running?.app.close();
    await proxy.stop();
    await nc.drain();
    await dropDatabase(databaseUrl);
  });

  it('creates its database and migrates into its own schema', async () => {
    const schemas = await queryDatabase(databaseUrl, 'SELECT schema_name FROM information_schema.schemata');
    expect(schemas.map((row) => row.schema_name)).toContain(APPS[name].schema);
    const applied = await queryDatabase<{ name: string }>(
      databaseUrl,
      `SELECT name FROM public."${APPS[name].schema}_migrations"`,
    );
    expect(applied.length).toBeGreaterThanOrEqual(1);
  });

  it('answers a NATS request through the contracts client', async () => {
    const reply = await client.request(SystemContracts.ping[name], { echo: 'hello' });
    expect(reply).toMatchObject({
      app: name,
      echo: 'hello',
      protocolVersion: 1,
      instanceId: running!.config.INSTANCE_ID,
    });
  });

  it.each([
    ['a body that is not JSON', 'not json {', ErrorCode.MALFORMED_MESSAGE],
    ['a body that breaks the contract', JSON.stringify({ echo: 42 }), ErrorCode.VALIDATION_FAILED],
    ['a body that is not an object', JSON.stringify([1, 2]), ErrorCode.VALIDATION_FAILED],
    ['a body nested too deep', '['.repeat(5000) + ']'.repeat(5000), ErrorCode.MALFORMED_MESSAGE],
    ['a body with a NUL character', JSON.stringify({ echo: 'a\u0000b' }), ErrorCode.MALFORMED_MESSAGE],
    ['a body that is not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]).toString('latin1'), ErrorCode.MALFORMED_MESSAGE],
  ])('answers %s with a typed error and keeps serving', async (_what, body, code) => {
    const reply = (await rawRequest(nc, subject, body)) as { error: { code: string; message: string } };
    expect(reply.error.code).toBe(code);
    expect(reply.error.message).toEqual(expect.any(String));
    await expect(client.request(SystemContracts.ping[name], {})).resolves.toMatchObject({ app: name });
  });

  it('raises error replies as EventoError in the contracts client', async () => {
    const wrong = { echo: 'x'.repeat(300) };
    await expect(client.request(SystemContracts.ping[name], wrong)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    await expect(client.request(SystemContracts.ping[name], wrong)).rejects.toBeInstanceOf(EventoError);
  });

  it('serves health, Swagger UI and the OpenAPI document', async () => {
    const url = running!.url;
    expect(await status(`${url}/health/live`)).toBe(200);
    expect(await status(`${url}/health/ready`)).toBe(200);
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    const openapi = (await (await fetch(`${url}/docs-json`)).json()) as { openapi: string };
    expect(openapi.openapi).toMatch(/^3\./);
  });

  it('serves Prometheus metrics labelled with the app', async () => {
    const res = await fetch(`${running!.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE evento_process_resident_memory_bytes gauge');
    expect(text).toMatch(new RegExp(`evento_process_resident_memory_bytes\\{app="${name}"\\} \\d+`));
  });

  it('answers malformed HTTP bodies with typed errors', async () => {
    const post = (body: string) =>
      fetch(`${running!.url}/health/ready`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const bad = await post('{"a":');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: ErrorCode.MALFORMED_MESSAGE });
    const deep = await post('['.repeat(1000) + ']'.repeat(1000));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ code: ErrorCode.MALFORMED_MESSAGE });
    const missing = await fetch(`${running!.url}/no/such/route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('reports not ready while its database is unreachable and ready again when it is back', async () => {
    const url = `${running!.url}/health/ready`;
    proxy.cut();
    await waitFor(async () => (await status(url)) === 503, { timeoutMs: 10_000, what: 'readiness 503' });
    const body = (await (await fetch(url)).json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error)).toEqual(['database']);
    expect(await status(`${running!.url}/health/live`)).toBe(200);
    proxy.restore();
    await waitFor(async () => (await status(url)) === 200, { timeoutMs: 15_000, what: 'readiness 200' });
  });

  it('shuts down cleanly and leaves its subject to other replicas', async () => {
    await running!.app.close();
    running = undefined;
    await expect(client.request(SystemContracts.ping[name], {}, { timeoutMs: 1_000 })).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
    });
  });
});
