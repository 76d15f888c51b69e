import { type ConfigurationMessage, instanceSubjects, RegistryContracts } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import type { Subscription } from '@nats-io/transport-node';
import { useApps } from '../support/apps';
import { helloFor, join, session } from './support';

const SECRET = 'sk-live-0123456789abcdef';

interface Reply {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- matched with toMatchObject
  body: Record<string, any>;
}

async function http(url: string, method = 'GET', body?: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: (text ? JSON.parse(text) : {}) as Reply['body'] };
}

describe('registry bundle configuration', () => {
  const suite = useApps('registry', { label: 'registry_configuration' });
  const base = () => `${suite.apps[0].url}/bundles/shop/configuration`;
  let subscription: Subscription | undefined;

  afterAll(() => subscription?.unsubscribe());

  it('stores values, masks secrets over HTTP, sends them whole in the welcome and on every change', async () => {
    expect((await http(base())).body).toEqual({ bundleId: 'shop', version: 0, entries: [] });

    // Configured before the bundle's first hello.
    const first = await http(`${base()}/API_URL`, 'PUT', { value: 'https://api.example.com' });
    expect(first).toMatchObject({
      status: 200,
      body: { version: 1, deliveredTo: [], entry: { key: 'API_URL', secret: false } },
    });
    const secret = await http(`${base()}/API_KEY`, 'PUT', { value: SECRET, secret: true });
    expect(secret.body).toMatchObject({ version: 2, entry: { key: 'API_KEY', value: '********', secret: true } });
    expect(secret.text).not.toContain(SECRET);
    const view = await http(base());
    expect(view.body).toMatchObject({
      version: 2,
      entries: [
        { key: 'API_KEY', value: '********', secret: true },
        { key: 'API_URL', value: 'https://api.example.com', secret: false },
      ],
    });
    expect(view.text).not.toContain(SECRET);

    const welcome = await join(suite.client, helloFor('shop'));
    expect(welcome.configuration).toEqual({
      version: 2,
      values: { API_KEY: SECRET, API_URL: 'https://api.example.com' },
    });

    const received: ConfigurationMessage[] = [];
    subscription = suite.nc.subscribe(instanceSubjects('shop', welcome.instanceId).control, {
      callback: (_error, msg) => {
        received.push(msg.json<ConfigurationMessage>());
      },
    });
    await suite.nc.flush();

    // Rotating the secret without repeating the flag keeps it secret.
    const rotated = await http(`${base()}/API_KEY`, 'PUT', { value: `${SECRET}-2` });
    expect(rotated.body).toMatchObject({
      version: 3,
      deliveredTo: [welcome.instanceId],
      entry: { value: '********', secret: true },
    });
    await waitFor(() => received.length === 1, { what: 'configuration message' });
    expect(received[0]).toEqual({
      type: 'configuration',
      bundleId: 'shop',
      version: 3,
      values: { API_KEY: `${SECRET}-2`, API_URL: 'https://api.example.com' },
    });

    // The same value again is no change: no new version, nothing sent.
    expect((await http(`${base()}/API_URL`, 'PUT', { value: 'https://api.example.com' })).body).toMatchObject({
      version: 3,
      deliveredTo: [],
    });

    expect((await http(`${base()}/API_URL`, 'DELETE')).status).toBe(204);
    await waitFor(() => received.length === 2, { what: 'second configuration message' });
    expect(received[1]).toEqual({
      type: 'configuration',
      bundleId: 'shop',
      version: 4,
      values: { API_KEY: `${SECRET}-2` },
    });
    expect((await http(`${base()}/API_URL`, 'DELETE')).body).toMatchObject({ code: 'NOT_FOUND' });

    // Instances that left get nothing.
    await suite.client.request(RegistryContracts.goodbye, session(welcome));
    expect((await http(`${base()}/OTHER`, 'PUT', { value: 'x' })).body).toMatchObject({ version: 5, deliveredTo: [] });
    expect(received).toHaveLength(2);
  });

  it('refuses bad keys, bad values and a configuration too large for one message', async () => {
    const url = `${suite.apps[0].url}/bundles/big/configuration`;
    expect((await http(`${url}/1starts-with-digit`, 'PUT', { value: 'x' })).status).toBe(400);
    expect((await http(`${url}/has%20space`, 'PUT', { value: 'x' })).status).toBe(400);
    // The protocol refuses every message carrying these keys: the bundle could never read its configuration.
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(await http(`${url}/${key}`, 'PUT', { value: 'x' })).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED' },
      });
    }
    expect((await http(`${url}/KEY`, 'PUT', { value: 42 })).status).toBe(400);
    expect((await http(`${url}/KEY`, 'PUT', {})).status).toBe(400);
    expect((await http(`${url}/KEY`, 'PUT', { value: 'x', secret: 'yes' })).status).toBe(400);
    expect((await http(`${url}/KEY`, 'PUT', { value: 'x'.repeat(16 * 1024 + 1) })).status).toBe(400);
    expect((await http(`${suite.apps[0].url}/bundles/not.valid/configuration/KEY`, 'PUT', { value: 'x' })).status).toBe(
      400,
    );

    const value = 'v'.repeat(16 * 1024);
    for (let i = 0; i < 15; i += 1) {
      expect((await http(`${url}/K${i}`, 'PUT', { value })).status).toBe(200);
    }
    // 16 values of 16 KiB are more than 256 KiB of JSON.
    expect(await http(`${url}/K15`, 'PUT', { value })).toMatchObject({
      status: 413,
      body: { code: 'PAYLOAD_TOO_LARGE' },
    });
    // The refused change left nothing behind.
    const view = await http(url);
    expect(view.body).toMatchObject({ version: 15 });
    expect((view.body.entries as Array<{ key: string }>).map((e) => e.key)).not.toContain('K15');
  });
});
