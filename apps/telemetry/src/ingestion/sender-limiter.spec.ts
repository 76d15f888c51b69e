import { SenderLimiter } from './sender-limiter';

describe('SenderLimiter', () => {
  it('lets a sender burst, then holds it to its rate', () => {
    const limiter = new SenderLimiter(100, 200);
    expect(limiter.take('a', 200, 0)).toBe(true);
    expect(limiter.take('a', 1, 0)).toBe(false);
    // 0.5 s later: 50 tokens back.
    expect(limiter.take('a', 50, 500)).toBe(true);
    expect(limiter.take('a', 1, 500)).toBe(false);
  });

  it('keeps one flooding sender from using the others’ share', () => {
    const limiter = new SenderLimiter(10, 10);
    for (let i = 0; i < 100; i += 1) limiter.take('flood', 10, 0);
    expect(limiter.take('quiet', 10, 0)).toBe(true);
  });

  it('refuses a batch bigger than the burst outright', () => {
    const limiter = new SenderLimiter(10, 10);
    expect(limiter.take('a', 11, 0)).toBe(false);
    expect(limiter.take('a', 10, 0)).toBe(true);
  });

  it('stays bounded in senders', () => {
    const limiter = new SenderLimiter(10, 10, 5);
    for (let i = 0; i < 50; i += 1) limiter.take(`s${i}`, 10, 0);
    expect(limiter.senders).toBeLessThanOrEqual(5);
  });
});
