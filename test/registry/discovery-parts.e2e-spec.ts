import {
  type BundleDescriptor,
  type DiscoverPartRequest,
  RegistryContracts,
  type WelcomeResponse,
} from '@evento/contracts';
import { queryDatabase } from '@evento/testing';
import { randomUUID } from 'node:crypto';
import { useApps } from '../support/apps';
import { helloFor, join, session, todoDescriptor, withOwnPayloads } from './support';

const MAX_BYTES = 2 * 1024 * 1024;

/** The todo descriptor with enough extra payloads to need about 1.3 MB of JSON. */
function bigDescriptor(extra = 600): BundleDescriptor {
  const descriptor = todoDescriptor();
  for (let i = 0; i < extra; i += 1) {
    descriptor.payloads.push({
      name: `Extra${i}`,
      kind: 'domain-event',
      description: 'x'.repeat(2000),
      schema: { type: 'object', properties: { id: { type: 'string' } } },
    });
  }
  return descriptor;
}

function cut(text: string, parts: number): string[] {
  const size = Math.ceil(text.length / parts);
  return Array.from({ length: parts }, (_, i) => text.slice(i * size, (i + 1) * size));
}

describe('registry discovery of descriptors sent in parts', () => {
  const suite = useApps('registry', {
    label: 'registry_discovery_parts',
    count: 2,
    // Small pools: two replicas share the Postgres server with every other test run.
    env: { DESCRIPTOR_MAX_BYTES: String(MAX_BYTES), DESCRIPTOR_UPLOAD_TIMEOUT_MS: '1000', DATABASE_POOL_SIZE: '3' },
  });
  const send = (welcome: WelcomeResponse, uploadId: string, part: number, parts: number, chunk: string) => {
    const request: DiscoverPartRequest = { ...session(welcome), uploadId, part, parts, chunk };
    return suite.client.request(RegistryContracts.discoverPart, request, { timeoutMs: 20_000 });
  };

  it('assembles a descriptor larger than one NATS message from parts that may reach either replica', async () => {
    const welcome = await join(suite.client, helloFor('todo'));
    const text = JSON.stringify(bigDescriptor());
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024);
    const chunks = cut(text, 4);
    const uploadId = randomUUID();
    for (let i = 0; i < 3; i += 1) {
      expect(await send(welcome, uploadId, i + 1, 4, chunks[i])).toEqual({
        uploadId,
        parts: 4,
        received: i + 1,
        complete: false,
      });
    }
    const last = await send(welcome, uploadId, 4, 4, chunks[3]);
    expect(last).toEqual({
      uploadId,
      parts: 4,
      received: 4,
      complete: true,
      result: { bundleId: 'todo', bundleVersion: '1.0.0', components: 7, handlers: 8, payloads: 607 },
    });
    const [stored] = await queryDatabase<{ n: number; description: string }>(
      suite.url,
      `SELECT count(*)::int AS n, max(description) AS description FROM registry.payloads WHERE name LIKE 'Extra%'`,
    );
    expect(stored).toEqual({ n: 600, description: 'x'.repeat(2000) });
    expect(await queryDatabase(suite.url, 'SELECT count(*)::int AS n FROM registry.descriptor_uploads')).toEqual([
      { n: 0 },
    ]);
  });

  it('takes parts in any order and a part sent twice once', async () => {
    const welcome = await join(suite.client, helloFor('order'));
    const chunks = cut(JSON.stringify(withOwnPayloads(todoDescriptor(), 'Order')), 3);
    const uploadId = randomUUID();
    expect(await send(welcome, uploadId, 3, 3, chunks[2])).toMatchObject({ received: 1, complete: false });
    expect(await send(welcome, uploadId, 1, 3, chunks[0])).toMatchObject({ received: 2, complete: false });
    expect(await send(welcome, uploadId, 1, 3, chunks[0])).toMatchObject({ received: 2, complete: false });
    expect(await send(welcome, uploadId, 2, 3, chunks[1])).toMatchObject({
      complete: true,
      result: { bundleId: 'order', components: 7, payloads: 7 },
    });
  });

  it('refuses bad parts, broken or invalid descriptors, oversized and expired uploads, changing nothing', async () => {
    const welcome = await join(suite.client, helloFor('bad'));
    const counts = () =>
      queryDatabase(suite.url, `SELECT count(*)::int AS n FROM registry.payloads WHERE bundle_id = 'bad'`);

    await expect(send(welcome, randomUUID(), 3, 2, '{}')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(send(welcome, 'not-a-uuid', 1, 2, '{}')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(send(welcome, randomUUID(), 1, 65, '{}')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(send(welcome, randomUUID(), 1, 2, '{"a":"\ud83d')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });

    const mixed = randomUUID();
    await send(welcome, mixed, 1, 2, '{');
    await expect(send(welcome, mixed, 2, 3, '}')).rejects.toMatchObject({ code: 'CONFLICT' });

    const broken = randomUUID();
    await send(welcome, broken, 1, 2, '{"components": [');
    await expect(send(welcome, broken, 2, 2, '"oops"')).rejects.toMatchObject({ code: 'MALFORMED_MESSAGE' });

    const invalid = JSON.stringify({ components: [{ type: 'widget', name: 'W', handlers: [] }], payloads: [] });
    const invalidId = randomUUID();
    await send(welcome, invalidId, 1, 2, invalid.slice(0, 20));
    await expect(send(welcome, invalidId, 2, 2, invalid.slice(20))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ property: 'descriptor.components.0.type' })],
    });

    // Beyond DESCRIPTOR_MAX_BYTES the upload is discarded whole.
    const huge = randomUUID();
    const slab = ' '.repeat(700 * 1024);
    await send(welcome, huge, 1, 4, slab);
    await send(welcome, huge, 2, 4, slab);
    await expect(send(welcome, huge, 3, 4, slab)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await send(welcome, huge, 4, 4, '{}')).toMatchObject({ received: 1, complete: false });

    // Parts that do not all arrive within DESCRIPTOR_UPLOAD_TIMEOUT_MS are forgotten.
    const slow = randomUUID();
    const chunks = cut(JSON.stringify(todoDescriptor()), 2);
    await send(welcome, slow, 1, 2, chunks[0]);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(await send(welcome, slow, 2, 2, chunks[1])).toMatchObject({ received: 1, complete: false });

    // An instance has at most four uploads open at once.
    const crowd = await join(suite.client, helloFor('crowd'));
    for (let i = 0; i < 4; i += 1) await send(crowd, randomUUID(), 1, 2, '{');
    await expect(send(crowd, randomUUID(), 1, 2, '{')).rejects.toMatchObject({ code: 'CONFLICT' });

    // A session that is not live cannot upload.
    await suite.client.request(RegistryContracts.goodbye, session(welcome));
    await expect(send(welcome, randomUUID(), 1, 1, JSON.stringify(todoDescriptor()))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await counts()).toEqual([{ n: 0 }]);
  });
});
