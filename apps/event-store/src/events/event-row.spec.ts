import type { StoredEvent } from '@evento/contracts';
import { type EventRow, eventsWithinBytes } from './event-row';

function row(position: number, size: number): EventRow {
  const event: StoredEvent = {
    position: String(position),
    cursor: String(position),
    eventId: `e-${position}`,
    aggregateId: null,
    aggregateVersion: null,
    context: 'default',
    eventName: 'Happened',
    payload: {},
    metadata: {},
    createdAt: '2026-11-22T10:04:05.123Z',
    deletedAt: null,
  };
  return { ...event, size };
}

describe('eventsWithinBytes', () => {
  it('keeps the events in order while they fit, without their size', () => {
    const kept = eventsWithinBytes([row(1, 400), row(2, 400), row(3, 400)], 800);
    expect(kept.map((event) => event.position)).toEqual(['1', '2']);
    expect(kept.every((event) => !('size' in event))).toBe(true);
  });

  it('keeps the first event even when it alone is over the budget', () => {
    expect(eventsWithinBytes([row(1, 5000), row(2, 10)], 1000).map((event) => event.position)).toEqual(['1']);
  });

  it('keeps nothing of nothing', () => {
    expect(eventsWithinBytes([], 1000)).toEqual([]);
  });
});
