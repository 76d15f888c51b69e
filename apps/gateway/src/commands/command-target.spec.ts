import { ErrorCode, type SendCommandRequest } from '@evento/contracts';
import { domainAggregateId } from './command-target';

const deposit = (payload: Record<string, unknown>, aggregateId?: string): SendCommandRequest => ({
  command: 'Deposit',
  payload,
  ...(aggregateId === undefined ? {} : { aggregateId }),
});

describe('domainAggregateId', () => {
  it('takes the aggregate id from the payload property the bundle declares', () => {
    expect(domainAggregateId(deposit({ accountId: 'acc-1', amount: 5 }), 'accountId')).toBe('acc-1');
    expect(domainAggregateId(deposit({ accountId: 'acc-1' }, 'acc-1'), 'accountId')).toBe('acc-1');
  });

  it('refuses an aggregateId that is not the one in the payload, naming both', () => {
    const error = (() => {
      try {
        return domainAggregateId(deposit({ accountId: 'acc-2' }, 'acc-1'), 'accountId');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: ErrorCode.VALIDATION_FAILED, details: [{ property: 'aggregateId' }] });
    expect((error as Error).message).toContain('acc-1');
    expect((error as Error).message).toContain('acc-2');
  });

  it('refuses a payload without a usable aggregate id', () => {
    for (const payload of [{}, { accountId: null }, { accountId: 7 }, { accountId: 'two words' }, { accountId: '' }]) {
      expect(() => domainAggregateId(deposit(payload, 'acc-1'), 'accountId')).toThrow(/payload\.accountId/);
    }
    // An inherited property is not the payload's own.
    expect(() => domainAggregateId(deposit(Object.create({ accountId: 'acc-1' }) as never), 'accountId')).toThrow(
      /missing/,
    );
  });

  it('requires aggregateId when the bundle declares no property', () => {
    expect(domainAggregateId(deposit({ accountId: 'acc-2' }, 'acc-1'), null)).toBe('acc-1');
    expect(() => domainAggregateId(deposit({ accountId: 'acc-2' }), null)).toThrow(/aggregateId is required/);
  });
});
