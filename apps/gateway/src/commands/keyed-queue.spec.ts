import { KeyedQueue } from './keyed-queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedQueue', () => {
  it('runs the work of one key one at a time, in order', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        queue.run('a', async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          log.push(`start ${n}`);
          await sleep(5);
          log.push(`end ${n}`);
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(1);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    expect(queue.activeKeys).toBe(0);
  });

  it('runs different keys concurrently and reports the wait', async () => {
    const queue = new KeyedQueue();
    let running = 0;
    let maxRunning = 0;
    const waits: number[] = [];
    await Promise.all(
      ['a', 'b', 'a'].map((key) =>
        queue.run(key, async (waited) => {
          waits.push(waited);
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await sleep(20);
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(2);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(15);
  });

  it('goes on after a failure', async () => {
    const queue = new KeyedQueue();
    await expect(queue.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run('a', () => Promise.resolve(7))).resolves.toBe(7);
    expect(queue.activeKeys).toBe(0);
  });
});
