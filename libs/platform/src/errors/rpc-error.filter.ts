import { type ArgumentsHost, Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';
import { toErrorBody } from './to-error-body';

/** Every NATS handler failure leaves as `{ error: { code, message, details? } }`, never a stack. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  /** `onError` counts each error reply (subject, code) for the rejected-input metric. */
  constructor(private readonly onError?: (subject: string | undefined, code: string) => void) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const body = toErrorBody(exception, this.logger);
    if (this.onError) {
      const context = host.switchToRpc().getContext<NatsContext | undefined>();
      this.onError(typeof context?.getSubject === 'function' ? context.getSubject() : undefined, body.code);
    }
    return throwError(() => body);
  }
}
