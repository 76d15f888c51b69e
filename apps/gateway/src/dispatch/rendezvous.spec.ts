import { rendezvousPick } from './rendezvous';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `instance-${i}`);
const keys = Array.from({ length: 5000 }, (_, i) => `aggregate-${i}`);
const assign = (instances: string[]) => new Map(keys.map((key) => [key, rendezvousPick(key, instances, (id) => id)]));

describe('rendezvousPick', () => {
  it('gives nothing for no candidate', () => {
    expect(rendezvousPick('a', [], (id: string) => id)).toBeUndefined();
  });

  it('is stable for the same membership, whatever the order of the candidates', () => {
    const forward = assign(ids(5));
    const backward = assign(ids(5).reverse());
    expect(backward).toEqual(forward);
  });

  it('spreads keys evenly', () => {
    const counts = new Map<string, number>();
    for (const owner of assign(ids(4)).values()) counts.set(owner!, (counts.get(owner!) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeGreaterThan(5000 / 4 / 1.25);
    expect(counts.size).toBe(4);
  });

  it('moves only the keys of a leaving instance', () => {
    const before = assign(ids(5));
    const after = assign(ids(5).filter((id) => id !== 'instance-2'));
    for (const key of keys) {
      if (before.get(key) !== 'instance-2') expect(after.get(key)).toBe(before.get(key));
      else expect(after.get(key)).not.toBe('instance-2');
    }
  });

  it('gives a joining instance only keys it takes from others, about 1/n', () => {
    const before = assign(ids(4));
    const after = assign(ids(5));
    let moved = 0;
    for (const key of keys) {
      if (after.get(key) !== before.get(key)) {
        expect(after.get(key)).toBe('instance-4');
        moved += 1;
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.14);
    expect(moved / keys.length).toBeLessThan(0.26);
  });
});
