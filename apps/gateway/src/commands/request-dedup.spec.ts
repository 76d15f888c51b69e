import { RequestDedup } from './request-dedup';

describe('RequestDedup', () => {
  it('answers a repeated key from the first run', async () => {
    const dedup = new RequestDedup<number>(10, 60_000);
    let runs = 0;
    const work = () => Promise.resolve(++runs);
    expect(await dedup.run('a', work)).toEqual({ value: 1, replayed: false });
    expect(await dedup.run('a', work)).toEqual({ value: 1, replayed: true });
    expect(runs).toBe(1);
  });

  it('lets a concurrent repeat join the run in flight', async () => {
    const dedup = new RequestDedup<string>(10, 60_000);
    let runs = 0;
    const work = () => new Promise<string>((resolve) => setTimeout(() => resolve(`run ${++runs}`), 10));
    const [first, second] = await Promise.all([dedup.run('a', work), dedup.run('a', work)]);
    expect(first).toEqual({ value: 'run 1', replayed: false });
    expect(second).toEqual({ value: 'run 1', replayed: true });
  });

  it('does not keep failures', async () => {
    const dedup = new RequestDedup<number>(10, 60_000);
    await expect(dedup.run('a', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await dedup.run('a', () => Promise.resolve(2))).toEqual({ value: 2, replayed: false });
  });

  it('evicts the oldest entries past its bound and expired ones', async () => {
    const dedup = new RequestDedup<number>(2, 60_000);
    for (const key of ['a', 'b', 'c']) await dedup.run(key, () => Promise.resolve(1));
    expect(dedup.size).toBe(2);
    expect((await dedup.run('a', () => Promise.resolve(9))).replayed).toBe(false);

    const shortLived = new RequestDedup<number>(10, 1);
    await shortLived.run('x', () => Promise.resolve(1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await shortLived.run('x', () => Promise.resolve(2))).toEqual({ value: 2, replayed: false });
  });
});
