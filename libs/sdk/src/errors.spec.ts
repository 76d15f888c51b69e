import { ErrorCode, EventoError } from '@evento/contracts';
import { errorFromBody, isTransient, RemoteHandlerError, TransientError } from './errors';

describe('SDK errors', () => {
  it('types a HANDLER_FAILED reply with the remote error name', () => {
    const error = errorFromBody({
      code: ErrorCode.HANDLER_FAILED,
      message: 'gone',
      details: { errorName: 'AggregateDeletedError' },
    });
    expect(error).toBeInstanceOf(RemoteHandlerError);
    expect((error as RemoteHandlerError).errorName).toBe('AggregateDeletedError');
    expect(errorFromBody({ code: ErrorCode.NO_HANDLER, message: 'none' })).toMatchObject({
      code: ErrorCode.NO_HANDLER,
    });
  });

  it('tells passing failures from failures of the event', () => {
    expect(isTransient(new TransientError('later'))).toBe(true);
    expect(isTransient(new EventoError(ErrorCode.UNAVAILABLE, 'down'))).toBe(true);
    expect(isTransient(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isTransient(new EventoError(ErrorCode.HANDLER_FAILED, 'no'))).toBe(false);
    expect(isTransient(new RangeError('bad data'))).toBe(false);
  });
});
