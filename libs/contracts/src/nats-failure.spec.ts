import { ErrorCode } from './errors';
import { natsFailure, natsFailureReason } from './nats-failure';

function named(name: string, message = '', cause?: unknown): Error {
  const error = new Error(message, { cause });
  error.name = name;
  return error;
}

describe('natsFailure', () => {
  it('follows the client’s RequestError to its cause', () => {
    const wrapped = named('RequestError', "no responders: 'x'", named('NoRespondersError', 'no responders'));
    expect(natsFailureReason(wrapped)).toBe('no-responders');
    expect(natsFailure(wrapped, 'evento.v1.x', 100)).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      details: { reason: 'no-responders' },
    });
  });

  it.each([
    [named('TimeoutError', 'timeout'), ErrorCode.DEADLINE_EXCEEDED, 'timeout'],
    [named('PermissionViolationError', "Permissions Violation for Publish to 'x'"), ErrorCode.FORBIDDEN, 'permission'],
    [named('ClosedConnectionError', 'closed connection'), ErrorCode.UNAVAILABLE, 'closed'],
    [named('RequestError', 'connection disconnected'), ErrorCode.UNAVAILABLE, 'disconnected'],
    [new Error("Permissions Violation for Publish to 'x'"), ErrorCode.FORBIDDEN, 'permission'],
    ['something odd', ErrorCode.UNAVAILABLE, 'disconnected'],
  ])('maps %p to %s', (error, code, reason) => {
    const translated = natsFailure(error, 'evento.v1.x', 250);
    expect(translated.code).toBe(code);
    expect(translated.details).toEqual({ reason });
    expect(translated.message).toContain('evento.v1.x');
  });
});
