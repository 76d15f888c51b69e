import { ThreadCountAutoscaling } from './autoscaling';

describe('thread-count autoscaling', () => {
  const make = (options = {}) => {
    const signals: string[] = [];
    const protocol = new ThreadCountAutoscaling(
      { maxInFlight: 2, minInFlight: 1, maxOverflow: 2, maxUnderflow: 2, ...options },
      (signal) => signals.push(signal),
    );
    return { protocol, signals };
  };

  it('says suffering once after maxOverflow arrivals above the limit', () => {
    const { protocol, signals } = make();
    for (let i = 0; i < 6; i += 1) protocol.arrival();
    expect(signals).toEqual(['suffering']);
  });

  it('says bored once after maxUnderflow departures below the minimum', () => {
    const { protocol, signals } = make({ minInFlight: 2 });
    protocol.arrival();
    protocol.arrival();
    protocol.departure();
    expect(signals).toEqual([]);
    protocol.departure();
    expect(signals).toEqual(['bored']);
    protocol.arrival();
    protocol.departure();
    expect(signals).toEqual(['bored']);
  });

  it('says bored after the bored timeout with nothing in flight', () => {
    jest.useFakeTimers();
    try {
      const { protocol, signals } = make({ boredTimeoutMs: 1_000 });
      protocol.start();
      protocol.arrival();
      protocol.departure();
      jest.advanceTimersByTime(1_000);
      jest.advanceTimersByTime(1_000);
      expect(signals).toEqual(['bored']);
      jest.advanceTimersByTime(5_000);
      expect(signals).toEqual(['bored']);
      protocol.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
