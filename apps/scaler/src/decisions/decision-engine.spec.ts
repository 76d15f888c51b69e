import type { LatestSignal } from '../signals/signals.repository';
import { decide, type DecisionInput, type ObservedInstance } from './decision-engine';

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

  describe('telemetry rules', () => {
    const p95 = (value: number | null, threshold = 200) => ({
      metric: 'p95ServiceTimeMs',
      threshold,
      windowMs: 10_000,
      value,
    });
    const lag = (value: number | null) => ({ metric: 'consumerLag', threshold: 100, windowMs: 5_000, value });

    it('scales up by step when a rule is above its threshold, recording the rule, value and threshold', () => {
      const result = decide(input({ instances: avail('a', 'b'), rules: [p95(812.345), lag(3)] }));
      expect(result).toEqual(
        expect.objectContaining({
          action: 'up',
          count: 1,
          target: 3,
          reason: 'rule p95ServiceTimeMs > 200 over 10000 ms (measured 812.35)',
        }),
      );
      expect(result.inputs.rules).toEqual([
        { ...p95(812.345), breached: true },
        { ...lag(3), breached: false },
      ]);
    });

    it('does nothing when every rule is at or below its threshold, or measured nothing', () => {
      const result = decide(input({ instances: avail('a'), rules: [p95(200), lag(null)] }));
      expect(result.action).toBe('none');
      expect(result.inputs.rules?.map((r) => r.breached)).toEqual([false, false]);
      // Without rules the inputs stay as they were.
      expect(decide(input({ instances: avail('a') })).inputs.rules).toBeUndefined();
    });

    it('respects max, the cool-down and the starts already asked for, like a suffering signal', () => {
      const rules = [{ ...p95(900), component: 'Orders' }];
      expect(decide(input({ instances: avail('a', 'b', 'c', 'd'), rules }))).toEqual(
        expect.objectContaining({
          action: 'hold',
          reason: 'rule p95ServiceTimeMs[Orders] > 200 over 10000 ms, at max 4',
        }),
      );
      expect(decide(input({ instances: avail('a'), rules, lastUpAt: NOW - 1_000 }))).toEqual(
        expect.objectContaining({
          action: 'hold',
          reason: 'rule p95ServiceTimeMs[Orders] > 200 over 10000 ms, cooling down after the last scale-up',
        }),
      );
      expect(decide(input({ instances: avail('a'), rules, pendingStarts: 1, policy: { ...policy, step: 5 } }))).toEqual(
        expect.objectContaining({ action: 'up', count: 2, target: 4 }),
      );
    });

    it('names signals and rules together, and blocks scale-down while a rule fires', () => {
      const both = decide(
        input({ instances: avail('a', 'b'), signals: signals({ a: 'suffering' }), rules: [lag(250)] }),
      );
      expect(both).toEqual(
        expect.objectContaining({
          action: 'up',
          reason: '1 suffering, rule consumerLag > 100 over 5000 ms (measured 250)',
        }),
      );
      const bored = decide(input({ instances: avail('a', 'b'), signals: signals({ a: 'bored' }), rules: [lag(250)] }));
      expect(bored.action).toBe('up');
    });

    it('ignores rules while no instance is available (the measurements are stale)', () => {
      const rules = [p95(5_000)];
      const instances: ObservedInstance[] = [{ instanceId: 'a', status: 'joined' }];
      expect(decide(input({ instances, rules })).action).toBe('none');
      expect(decide(input({ instances, rules })).inputs.rules).toEqual([{ ...p95(5_000), breached: false }]);
    });
  });
});
