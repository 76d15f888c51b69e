import { HTTP_STATUS_BY_CODE } from '@evento/contracts';
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorBody } from './to-error-body';

/** HTTP errors carry the same body as NATS error replies, with the status of their code. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(exception, this.logger);
    // For the rejected-input metric, which only sees the status otherwise.
    (response.locals as { errorCode?: string }).errorCode = body.code;
    if (!response.headersSent) response.status(HTTP_STATUS_BY_CODE[body.code]).json(body);
  }
}
