import { IsInt } from 'class-validator';
import { ErrorCode, EventoError } from './errors';
import { readReply, RelayedError } from './replies';
import { compileValidator } from './validation';

const bytes = (text: string) => new TextEncoder().encode(text);

class Count {
  @IsInt()
  n: number;
}

function errorOf(run: () => unknown): EventoError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventoError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('readReply', () => {
  it('returns the data of a data envelope, checked when asked', () => {
    expect(readReply(bytes('{"data":{"x":1}}'), { from: 'event-store' })).toEqual({ x: 1 });
    expect(readReply(bytes('{"data":null}'), { from: 'event-store' })).toBeNull();
    expect(readReply(bytes('{"data":{"n":2,"extra":1}}'), { from: 'b', validate: compileValidator(Count) })).toEqual({
      n: 2,
    });
  });

  it('throws an error reply as a RelayedError with its code and details', () => {
    const error = errorOf(() =>
      readReply(bytes('{"error":{"code":"CONFLICT","message":"m","details":{"v":3}}}'), { from: 'event-store' }),
    );
    expect(error).toBeInstanceOf(RelayedError);
    expect(error.toBody()).toEqual({ code: ErrorCode.CONFLICT, message: 'm', details: { v: 3 } });
  });

  it("reports a suite app's broken reply as INTERNAL", () => {
    expect(errorOf(() => readReply(bytes('nope'), { from: 'event-store' })).code).toBe(ErrorCode.INTERNAL);
    const unknownCode = errorOf(() => readReply(bytes('{"error":{"code":"MADE_UP","message":"m"}}'), { from: 'x' }));
    expect(unknownCode).toMatchObject({
      code: ErrorCode.INTERNAL,
      message: 'x sent an error without a known code and a message',
    });
  });

  it("reports a bundle's broken reply as its InvalidReply, and bounds what it relays", () => {
    const from = 'Bundle b instance i';
    const read = (text: string) => () =>
      readReply(bytes(text), { from, untrusted: true, validate: compileValidator(Count) });
    for (const text of ['nope', '[1]', '{"foo":1}', '{"data":{"n":"two"}}', '{"error":{"code":"NOPE"}}']) {
      expect(errorOf(read(text))).toMatchObject({
        code: ErrorCode.HANDLER_FAILED,
        details: { errorName: 'InvalidReply' },
      });
    }
    expect(errorOf(read('{"data":{"n":"two"}}')).details).toMatchObject({
      problems: ['n: n must be an integer number'],
    });
    const long = errorOf(
      read(
        JSON.stringify({
          error: { code: 'NOT_FOUND', message: 'x'.repeat(5_000), details: { d: 'y'.repeat(20_000) } },
        }),
      ),
    );
    expect(long).toBeInstanceOf(RelayedError);
    expect(long.message).toHaveLength(2_000);
    expect(long.details).toBeUndefined();
  });
});
