import { RegistryContracts, type RoutingChanged } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { startApp, useApps } from '../support/apps';
import { helloFor, join, session } from './support';

interface StreamEvent {
  type: string;
  data: unknown;
}

/** Reads a Server-Sent Events body into parsed events as they arrive. */
class EventReader {
  readonly events: StreamEvent[] = [];
  private buffer = '';
  private readonly done: Promise<void>;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.done = this.pump();
  }

  changes(instanceId: string): string[] {
    return this.events
      .filter((event) => event.type === 'routing.changed')
      .map((event) => event.data as RoutingChanged)
      .filter((change) => change.instanceId === instanceId)
      .map((change) => change.reason);
  }

  /** Resolves when the server ends the stream. */
  ended(): Promise<void> {
    return this.done;
  }

  async close(): Promise<void> {
    await this.reader.cancel();
    await this.done;
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await this.reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      this.buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const field = (name: string) =>
          block
            .split('\n')
            .filter((line) => line.startsWith(`${name}:`))
            .map((line) => line.slice(name.length + 1).trimStart())
            .join('\n');
        this.events.push({ type: field('event') || 'message', data: JSON.parse(field('data')) as unknown });
      }
    }
  }
}

describe('registry cluster stream (SSE)', () => {
  const suite = useApps('registry', { label: 'registry_stream' });

  it('sends a snapshot, then every routing change, including those of other replicas', async () => {
    const early = await join(suite.client, helloFor('todo'));
    await suite.client.request(RegistryContracts.enable, session(early));

    const response = await fetch(`${suite.apps[0].url}/cluster/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const stream = new EventReader(response.body!.getReader());
    try {
      await waitFor(() => stream.events.length > 0);
      expect(stream.events[0]).toMatchObject({
        type: 'snapshot',
        data: { instances: [{ instanceId: early.instanceId, status: 'available' }] },
      });

      // A bundle instance joins (hello, enable) and leaves (goodbye).
      const welcome = await join(suite.client, helloFor('todo'));
      await suite.client.request(RegistryContracts.enable, session(welcome));
      await suite.client.request(RegistryContracts.goodbye, session(welcome));
      await waitFor(() => stream.changes(welcome.instanceId).length >= 2);
      expect(stream.changes(welcome.instanceId)).toEqual(['enabled', 'goodbye']);
      expect(stream.events.find((e) => e.type === 'routing.changed')?.data).toMatchObject({
        reason: 'enabled',
        bundleId: 'todo',
        instanceId: welcome.instanceId,
        at: expect.any(String) as unknown,
      });

      // Another registry replica's notice arrives over NATS like any other.
      const elsewhere: RoutingChanged = {
        reason: 'lease-expired',
        version: 99,
        bundleId: 'todo',
        instanceId: 'on-another-replica',
        at: new Date().toISOString(),
      };
      suite.nc.publish(RegistryContracts.routingChanged.subject, JSON.stringify(elsewhere));
      await waitFor(() => stream.changes('on-another-replica').length > 0);
      expect(stream.changes('on-another-replica')).toEqual(['lease-expired']);
    } finally {
      await stream.close();
    }
  });

  it('ends open streams when the app shuts down, so the replica can stop', async () => {
    const replica = await startApp('registry', { DATABASE_URL: suite.url });
    const response = await fetch(`${replica.url}/cluster/stream`);
    const stream = new EventReader(response.body!.getReader());
    await waitFor(() => stream.events.length > 0);
    // The stream ends at shutdown (onModuleDestroy), before the HTTP server closes.
    const closed = replica.app.close();
    await stream.ended();
    await closed;
  });
});
