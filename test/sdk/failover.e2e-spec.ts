import { GatewayContracts } from '@evento/contracts';
import { Aggregate, AggregateCommandHandler, DomainCommand, DomainEvent, EventoBundle } from '@evento/sdk';
import { waitFor } from '@evento/testing';
import { IsString } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { useSuite } from './support';

class OpenTab extends DomainCommand {
  @IsString()
  tabId: string;

  getAggregateId(): string {
    return this.tabId;
  }
}

class TabOpened extends DomainEvent {
  tabId: string;
  openedBy: string;
}

/** Records which instance got the command; the first one to get it holds it until told. */
@Aggregate()
class Tab {
  static holding?: { instance: string; release: () => void };

  constructor(private readonly instance: string) {}

  @AggregateCommandHandler({ init: true })
  async open(command: OpenTab): Promise<TabOpened> {
    if (!Tab.holding) {
      await new Promise<void>((resolve) => (Tab.holding = { instance: this.instance, release: resolve }));
    }
    return TabOpened.of({ tabId: command.tabId, openedBy: this.instance });
  }
}

/** The registry's defaults: every figure below is what a suite started without settings sees. */
const HEARTBEAT_INTERVAL_MS = 1_000;
const INSTANCE_LEASE_MS = 5_000;
const LEASE_SWEEP_MS = 1_000;
/** Room for a loaded test machine (Postgres round trips, the gateway's reload, NATS). */
const SLACK_MS = 1_500;

/*
 * Work held by an instance that dies is failed over when the registry declares the instance
 * gone: its lease runs out (at most INSTANCE_LEASE_MS after its last heartbeat), a registry
 * replica's sweep notices within LEASE_SWEEP_MS and publishes routing.changed lease-expired, and
 * the gateway sends the domain command to the next instance. Measured here with the defaults.
 */
describe('failover of a domain command held by an instance that dies', () => {
  const suite = useSuite('sdk_failover', ['event-store', 'registry', 'gateway'], {
    HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
    INSTANCE_LEASE_MS: String(INSTANCE_LEASE_MS),
    LEASE_SWEEP_MS: String(LEASE_SWEEP_MS),
  });
  const bundles = new Map<string, EventoBundle>();

  afterAll(async () => {
    Tab.holding?.release();
    await Promise.all([...bundles.values()].map((bundle) => bundle.stop()));
  });

  it('reaches the surviving instance within the lease plus one sweep of the crash', async () => {
    for (const name of ['a', 'b']) {
      const bundle = new EventoBundle({
        bundleId: 'tabs',
        bundleVersion: '1.0.0',
        instanceId: `tabs-${name}-${randomUUID().slice(0, 8)}`,
        ...suite.bundleConnection,
        components: [new Tab(name)],
        logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
      });
      await bundle.start();
      await bundle.enabled();
      bundles.set(name, bundle);
    }
    const gatewayUrl = suite.apps.get('gateway')!.url;
    await waitFor(
      async () => {
        const table = (await (await fetch(`${gatewayUrl}/routing?payload=OpenTab`)).json()) as {
          routes: Array<{ instances: string[] }>;
        };
        return table.routes[0]?.instances.length === 2;
      },
      { what: 'the gateway routing OpenTab to both instances' },
    );

    const tabId = `tab-${randomUUID()}`;
    const answer = suite.client.request(
      GatewayContracts.command,
      { command: 'OpenTab', aggregateId: tabId, payload: { tabId } },
      { timeoutMs: 25_000 },
    );
    await waitFor(() => Tab.holding !== undefined, { what: 'an instance holding the command' });
    const holder = Tab.holding!.instance;
    const crashedAt = Date.now();
    await bundles.get(holder)!.abort();
    bundles.delete(holder);

    const result = await answer;
    const failoverMs = Date.now() - crashedAt;
    const survivor = holder === 'a' ? 'b' : 'a';
    expect(result.event?.payload).toEqual({ tabId, openedBy: survivor });
    // Not before the lease could have run out, and within the lease and one sweep.
    expect(failoverMs).toBeGreaterThanOrEqual(INSTANCE_LEASE_MS - HEARTBEAT_INTERVAL_MS - 250);
    expect(failoverMs).toBeLessThanOrEqual(INSTANCE_LEASE_MS + LEASE_SWEEP_MS + SLACK_MS);
    process.stderr.write(`failover of a held domain command with the default lease settings: ${failoverMs} ms\n`);
  });
});
