import type { AppendRequest } from '@evento/contracts';
import { AppendBatcher, type BatchWriter } from './append-batcher';
import type { AppendResult } from './events.repository';

const request = (eventId: string): AppendRequest => ({ events: [{ eventId, eventName: 'E', payload: {} }] });
const ok = (i: number): AppendResult => ({ status: 'ok', positions: [String(i)], version: 0 });

describe('AppendBatcher', () => {
  it('writes requests that arrive during a write together in the next batch', async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const writer: BatchWriter = async (requests) => {
      batches.push(requests.map((r) => r.events[0].eventId));
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return { results: requests.map((_, i) => ok(i)), txId: String(batches.length) };
    };
    const batcher = new AppendBatcher(writer, { maxBatch: 100, maxInFlight: 1, extraBatchMin: 1 });
    const first = batcher.append(request('a'));
    const rest = ['b', 'c', 'd'].map((id) => batcher.append(request(id)));
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    await expect(rest[2]).resolves.toEqual({ result: ok(2), txId: '2' });
  });

  it('caps a batch at the configured size', async () => {
    const sizes: number[] = [];
    const batcher = new AppendBatcher(
      async (requests) => {
        sizes.push(requests.length);
        await Promise.resolve();
        return { results: requests.map((_, i) => ok(i)), txId: '1' };
      },
      { maxBatch: 2, maxInFlight: 1, extraBatchMin: 1 },
    );
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => batcher.append(request(id))));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('retries a failed batch one request at a time, so one bad request fails alone', async () => {
    const batcher = new AppendBatcher(
      async (requests) => {
        await Promise.resolve();
        if (requests.some((r) => r.events[0].eventId === 'bad')) throw new Error('unique violation');
        return { results: requests.map((_, i) => ok(i)), txId: '7' };
      },
      { maxBatch: 10, maxInFlight: 1, extraBatchMin: 1 },
    );
    const hold = batcher.append(request('first'));
    const outcomes = await Promise.allSettled(['x', 'bad', 'y'].map((id) => batcher.append(request(id))));
    await hold;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('starts a batch beside the one being written only once enough requests wait', async () => {
    const batches: string[][] = [];
    const releases: Array<() => void> = [];
    const writer: BatchWriter = async (requests) => {
      batches.push(requests.map((r) => r.events[0].eventId));
      await new Promise<void>((resolve) => releases.push(resolve));
      return { results: requests.map((_, i) => ok(i)), txId: String(batches.length) };
    };
    const batcher = new AppendBatcher(writer, { maxBatch: 100, maxInFlight: 2, extraBatchMin: 3 });
    const all = ['a', 'b', 'c'].map((id) => batcher.append(request(id)));
    // 'b' alone waits: too few to start a second batch.
    expect(batches).toEqual([['a']]);
    all.push(batcher.append(request('d')));
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    // Two in flight: the rest wait for one to finish, however many they are.
    all.push(...['e', 'f', 'g', 'h'].map((id) => batcher.append(request(id))));
    expect(batcher.pending).toBe(4);
    releases[0]();
    await all[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches[2]).toEqual(['e', 'f', 'g', 'h']);
    releases[1]();
    releases[2]();
    await Promise.all(all);
  });
});
