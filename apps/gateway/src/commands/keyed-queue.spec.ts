import { ErrorCode } from '@evento/contracts';
import { KeyedQueue, type Turn } from './keyed-queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (ms = 10_000, label = 'aggregate a'): Turn => ({ deadline: Date.now() + ms, label });

describe('KeyedQueue', () => {
  it('runs the work of one key one at a time, in order', async () => {
    const queue = new KeyedQueue(100);
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        queue.run('a', turn(), async () => {
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
    const queue = new KeyedQueue(100);
    let running = 0;
    let maxRunning = 0;
    const waits: number[] = [];
    await Promise.all(
      ['a', 'b', 'a'].map((key) =>
        queue.run(key, turn(), async (waited) => {
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
    const queue = new KeyedQueue(100);
    await expect(queue.run('a', turn(), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run('a', turn(), () => Promise.resolve(7))).resolves.toBe(7);
    expect(queue.activeKeys).toBe(0);
  });

  it('lets a waiter leave at its deadline, at once, and never runs it', async () => {
    const queue = new KeyedQueue(100);
    let release!: () => void;
    const holder = queue.run('a', turn(), () => new Promise<void>((resolve) => (release = resolve)));
    const ran: string[] = [];
    const started = Date.now();
    const impatient = queue.run('a', turn(50), () => Promise.resolve(ran.push('impatient')));
    const patient = queue.run('a', turn(), () => Promise.resolve(ran.push('patient')));
    await expect(impatient).rejects.toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
    expect(Date.now() - started).toBeLessThan(500);
    expect(queue.waiting).toBe(1);
    release();
    await holder;
    await patient;
    expect(ran).toEqual(['patient']);
    expect(queue.activeKeys).toBe(0);
  });

  it('refuses a request whose deadline already passed, without taking the key', async () => {
    const queue = new KeyedQueue(100);
    await expect(queue.run('a', turn(-1), () => Promise.resolve(1))).rejects.toMatchObject({
      code: ErrorCode.DEADLINE_EXCEEDED,
    });
    expect(queue.activeKeys).toBe(0);
  });

  it('refuses newcomers with OVERLOADED once the line is full, per key', async () => {
    const queue = new KeyedQueue(2);
    let release!: () => void;
    const holder = queue.run('a', turn(), () => new Promise<void>((resolve) => (release = resolve)));
    const waiters = [
      queue.run('a', turn(), () => Promise.resolve(1)),
      queue.run('a', turn(), () => Promise.resolve(2)),
    ];
    await expect(queue.run('a', turn(), () => Promise.resolve(3))).rejects.toMatchObject({
      code: ErrorCode.OVERLOADED,
      details: { limit: 2, waitingFor: 'aggregate a', retryable: true },
    });
    await expect(queue.run('b', turn(), () => Promise.resolve('b'))).resolves.toBe('b');
    release();
    await holder;
    expect(await Promise.all(waiters)).toEqual([1, 2]);
    expect(queue.activeKeys).toBe(0);
  });
});
