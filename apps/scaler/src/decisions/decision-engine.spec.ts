import { decide, type DecisionInput, type LatestSignal, type ObservedInstance } from './decision-engine';

const NOW = 1_000_000;
const policy = {
  minInstances: 1,
  maxInstances: 4,
  step: 1,
  cooldownUpMs: 10_000,
  cooldownDownMs: 30_000,
  autorun: true,
};

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    now: NOW,
    policy,
    instances: [],
    pendingStarts: 0,
    draining: new Set(),
    anonymousDrains: 0,
    signals: new Map(),
    ...overrides,
  };
}

const avail = (...ids: string[]): ObservedInstance[] => ids.map((instanceId) => ({ instanceId, status: 'available' }));
const signals = (entries: Record<string, LatestSignal['signal'] | [LatestSignal['signal'], number]>) =>
  new Map(
    Object.entries(entries).map(([id, value]) => {
      const [signal, inFlight] = Array.isArray(value) ? value : [value, 0];
      return [id, { signal, inFlight, at: NOW }] as const;
    }),
  );

describe('decide', () => {
  it('starts the minimum when nothing runs and autorun is on', () => {
    expect(decide(input())).toEqual(expect.objectContaining({ action: 'up', count: 1, target: 1 }));
  });

  it('starts nothing from zero when autorun is off, but keeps the minimum once one runs', () => {
    const off = { ...policy, minInstances: 2, autorun: false };
    expect(decide(input({ policy: off })).action).toBe('none');
    expect(decide(input({ policy: off, instances: avail('a') }))).toEqual(
      expect.objectContaining({ action: 'up', count: 1, reason: 'below min: 1 < 2' }),
    );
  });

  it('counts starts already asked for, so a slow start is not repeated', () => {
    expect(decide(input({ pendingStarts: 1 })).action).toBe('none');
    const suffering = input({ instances: avail('a'), pendingStarts: 3, signals: signals({ a: 'suffering' }) });
    expect(decide(suffering)).toEqual(expect.objectContaining({ action: 'hold', reason: '1 suffering, at max 4' }));
  });

  it('counts joined instances as starting and leaves draining ones out', () => {
    const instances: ObservedInstance[] = [
      { instanceId: 'a', status: 'available' },
      { instanceId: 'b', status: 'joined' },
      { instanceId: 'c', status: 'unavailable' },
    ];
    const result = decide(input({ instances, draining: new Set(['a']) }));
    expect(result.inputs).toEqual(expect.objectContaining({ available: 0, starting: 1, unavailable: 2, effective: 1 }));
  });

  it('scales up by step on suffering, within max, after the cool-down', () => {
    const base = input({
      instances: avail('a', 'b'),
      signals: signals({ a: 'suffering' }),
      policy: { ...policy, step: 5 },
    });
    expect(decide(base)).toEqual(expect.objectContaining({ action: 'up', count: 2, target: 4 }));
    expect(decide({ ...base, lastUpAt: NOW - 5_000 })).toEqual(
      expect.objectContaining({ action: 'hold', reason: '1 suffering, cooling down after the last scale-up' }),
    );
    expect(decide({ ...base, lastUpAt: NOW - 10_000 }).action).toBe('up');
  });

  it('ignores signals of instances that are not available', () => {
    const result = decide(input({ instances: avail('a'), signals: signals({ ghost: 'suffering' }) }));
    expect(result.action).toBe('none');
  });

  it('drains the least loaded bored instances down to min after the cool-down since any scaling', () => {
    const base = input({
      instances: avail('a', 'b', 'c'),
      signals: signals({ a: ['bored', 3], b: ['bored', 1], c: 'suffering' }),
    });
    // One suffering instance wins over bored ones.
    expect(decide(base).action).toBe('up');
    const bored = { ...base, signals: signals({ a: ['bored', 3], b: ['bored', 1] }), policy: { ...policy, step: 5 } };
    expect(decide(bored)).toEqual(
      expect.objectContaining({ action: 'down', count: 2, victims: ['b', 'a'], target: 1 }),
    );
    expect(decide({ ...bored, lastUpAt: NOW - 20_000 }).action).toBe('hold');
    expect(decide({ ...bored, lastDownAt: NOW - 20_000 }).action).toBe('hold');
    expect(decide({ ...bored, lastDownAt: NOW - 30_000 }).action).toBe('down');
  });

  it('does not drain while instances are starting, nor below min', () => {
    const bored = signals({ a: 'bored' });
    expect(decide(input({ instances: avail('a', 'b'), signals: bored, pendingStarts: 1 }))).toEqual(
      expect.objectContaining({ action: 'hold', reason: '1 bored, instances still starting' }),
    );
    expect(decide(input({ instances: avail('a'), signals: bored }))).toEqual(
      expect.objectContaining({ action: 'hold', reason: '1 bored, at min 1' }),
    );
  });

  it('drains the excess above max, bored first', () => {
    const result = decide(input({ instances: avail('a', 'b', 'c', 'd', 'e', 'f'), signals: signals({ e: 'bored' }) }));
    expect(result).toEqual(expect.objectContaining({ action: 'down', count: 2, victims: ['e', 'a'] }));
  });

  it('counts drains the actuator picks (Kubernetes) as gone', () => {
    const result = decide(
      input({ instances: avail('a', 'b', 'c'), anonymousDrains: 1, signals: signals({ a: 'suffering' }) }),
    );
    expect(result).toEqual(expect.objectContaining({ action: 'up', target: 3 }));
  });
});
