import { ErrorCode, EventoError } from '@evento/contracts';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { toErrorBody } from './to-error-body';

describe('toErrorBody', () => {
  const logger = { error: jest.fn() };

  beforeEach(() => logger.error.mockClear());

  it('keeps the code, message and details of domain errors', () => {
    const body = toErrorBody(new EventoError(ErrorCode.CONFLICT, 'version moved', { actual: 4 }), logger);
    expect(body).toEqual({ code: ErrorCode.CONFLICT, message: 'version moved', details: { actual: 4 } });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('maps HTTP exceptions to codes', () => {
    expect(toErrorBody(new NotFoundException('nope'), logger)).toMatchObject({ code: ErrorCode.NOT_FOUND });
    expect(toErrorBody(new BadRequestException('bad'), logger)).toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
  });

  it('hides unknown errors behind an id and logs them with that id', () => {
    const body = toErrorBody(new TypeError('secret internals at /srv/app.js:10'), logger);
    expect(body).toEqual({ code: ErrorCode.INTERNAL, message: 'Internal error', errorId: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain('secret internals');
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ errorId: body.errorId }), expect.any(String));
  });
});
