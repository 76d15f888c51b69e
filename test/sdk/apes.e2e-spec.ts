import { EventStoreContracts } from '@evento/contracts';
import { DomainEvent, EventHandler, type EventContext, EventoBundle, Projector } from '@evento/sdk';
import { randomUUID } from 'node:crypto';
import { useSuite } from './support';

class Ticked extends DomainEvent {
  n: number;
}

@Projector({ version: 1 })
class TickCounter {
  readonly seen: Array<{ aggregateId: string; version: number; position: string }> = [];

  @EventHandler()
  onTick(_event: Ticked, context: EventContext): void {
    this.seen.push({
      aggregateId: context.event.aggregateId!,
      version: context.event.aggregateVersion!,
      position: context.event.position,
    });
  }
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/* Consumers against an event store in APES mode: cursors are "<txid>:<position>". */
describe('SDK consumers on an APES event store', () => {
  const suite = useSuite('sdk_apes', ['event-store', 'registry'], { EVENT_STORE_MODE: 'APES' });
  const bundles: EventoBundle[] = [];

  afterAll(async () => {
    for (const bundle of bundles) await bundle.stop();
  });

  const start = async (counter: TickCounter) => {
    const bundle = new EventoBundle({
      bundleId: 'ticks',
      bundleVersion: '1.0.0',
      ...suite.bundleConnection,
      components: [counter],
      store: { postgres: { url: suite.url, schema: 'ticks' } },
      consumers: { waitMs: 2_000 },
      logger: quiet,
    });
    bundles.push(bundle);
    await bundle.start();
    await bundle.enabled();
    return bundle;
  };

  const appendConcurrently = async (aggregates: string[], perAggregate: number) => {
    const positions: string[] = [];
    await Promise.all(
      aggregates.map(async (aggregateId) => {
        for (let version = 1; version <= perAggregate; version += 1) {
          const reply = await suite.client.request(EventStoreContracts.append, {
            aggregateId,
            expectedVersion: version - 1 === 0 ? 'none' : version - 1,
            events: [{ eventId: randomUUID(), eventName: 'Ticked', payload: { n: version } }],
          });
          positions.push(reply.positions[0]);
        }
      }),
    );
    return positions;
  };

  it('handles every event once, each aggregate in version order, and waits on positions', async () => {
    const counter = new TickCounter();
    const bundle = await start(counter);
    const aggregates = ['a', 'b', 'c', 'd'];
    const positions = await appendConcurrently(aggregates, 10);
    const projector = bundle.consumer('TickCounter')!;
    for (const position of positions) await projector.waitForPosition(position);
    expect(counter.seen).toHaveLength(40);
    expect(new Set(counter.seen.map((s) => s.position)).size).toBe(40);
    for (const aggregateId of aggregates) {
      expect(counter.seen.filter((s) => s.aggregateId === aggregateId).map((s) => s.version)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
    }
    expect((await projector.checkpoint())?.cursor).toMatch(/^\d+:\d+$/);
    await bundle.stop();
  });

  it('resumes from its APES cursor after a restart without handling anything again', async () => {
    const counter = new TickCounter();
    const bundle = await start(counter);
    const positions = await appendConcurrently(['e', 'f'], 3);
    const projector = bundle.consumer('TickCounter')!;
    for (const position of positions) await projector.waitForPosition(position);
    expect(counter.seen.map((s) => s.aggregateId).sort()).toEqual(['e', 'e', 'e', 'f', 'f', 'f']);
  });
});
