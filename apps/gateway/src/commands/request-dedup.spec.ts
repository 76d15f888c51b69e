import { ErrorCode } from '@evento/contracts';
import { RequestContext } from '../requests/request-context';
import { RequestDedup } from './request-dedup';

const context = (requestId: string, timeoutMs = 10_000) =>
  new RequestContext(requestId, requestId, Date.now() + timeoutMs, true);

describe('RequestDedup', () => {
  it('answers a repeated key from the first run', async () => {
    const dedup = new RequestDedup<number>(10, 60_000);
    let runs = 0;
    const work = () => Promise.resolve(++runs);
    expect(await dedup.run(context('a'), 'f', work)).toEqual({ value: 1, replayed: false });
    expect(await dedup.run(context('a'), 'f', work)).toEqual({ value: 1, replayed: true });
    expect(runs).toBe(1);
  });

  it('lets a concurrent repeat join the run in flight', async () => {
    const dedup = new RequestDedup<string>(10, 60_000);
    let runs = 0;
    const work = () => new Promise<string>((resolve) => setTimeout(() => resolve(`run ${++runs}`), 10));
    const [first, second] = await Promise.all([dedup.run(context('a'), 'f', work), dedup.run(context('a'), 'f', work)]);
    expect(first).toEqual({ value: 'run 1', replayed: false });
    expect(second).toEqual({ value: 'run 1', replayed: true });
  });

  it('waits for the run in flight only until the joiner deadline', async () => {
    const dedup = new RequestDedup<string>(10, 60_000);
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 300));
    const first = dedup.run(context('a'), 'f', slow);
    const started = Date.now();
    await expect(dedup.run(context('a', 30), 'f', slow)).rejects.toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
    expect(Date.now() - started).toBeLessThan(250);
    expect(await first).toEqual({ value: 'late', replayed: false });
  });

  it('refuses the same key for another request, kept or in flight', async () => {
    const dedup = new RequestDedup<number>(10, 60_000);
    const running = dedup.run(context('a'), 'f', () => new Promise((resolve) => setTimeout(() => resolve(1), 10)));
    await expect(dedup.run(context('a'), 'g', () => Promise.resolve(2))).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      details: { reason: 'request-id-reused', requestId: 'a' },
    });
    await running;
    await expect(dedup.run(context('a'), 'g', () => Promise.resolve(2))).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
    });
  });

  it('does not keep failures', async () => {
    const dedup = new RequestDedup<number>(10, 60_000);
    await expect(dedup.run(context('a'), 'f', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await dedup.run(context('a'), 'g', () => Promise.resolve(2))).toEqual({ value: 2, replayed: false });
  });

  it('evicts the oldest entries past its bound and expired ones', async () => {
    const dedup = new RequestDedup<number>(2, 60_000);
    for (const key of ['a', 'b', 'c']) await dedup.run(context(key), 'f', () => Promise.resolve(1));
    expect(dedup.size).toBe(2);
    expect((await dedup.run(context('a'), 'f', () => Promise.resolve(9))).replayed).toBe(false);

    const shortLived = new RequestDedup<number>(10, 1);
    await shortLived.run(context('x'), 'f', () => Promise.resolve(1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await shortLived.run(context('x'), 'f', () => Promise.resolve(2))).toEqual({ value: 2, replayed: false });
  });
});
