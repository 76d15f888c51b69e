import { Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { BaseConfig } from '../config';
import { operatorOf } from '../http/operator-auth';

export const CORRELATION_HEADER = 'x-correlation-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the caller's correlation id when it is sane, or makes one. */
export function correlationIdFrom(candidate: unknown): string {
  return typeof candidate === 'string' && SAFE_ID.test(candidate) ? candidate : randomUUID();
}

/**
 * Structured JSON logs (pino), pretty in development. Every HTTP request gets a correlation id
 * (taken from `x-correlation-id`, or generated) that every log line made while handling it
 * carries; the NATS edge does the same with `evento-correlation-id`.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [BaseConfig],
      useFactory: (config: BaseConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          base: { instance: config.INSTANCE_ID },
          transport:
            config.logFormat === 'pretty'
              ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
              : undefined,
          redact: {
            paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
            censor: '***',
          },
          genReqId: (req: IncomingMessage, res: ServerResponse) => {
            const id = correlationIdFrom(req.headers[CORRELATION_HEADER]);
            res.setHeader(CORRELATION_HEADER, id);
            return id;
          },
          customAttributeKeys: { reqId: 'correlationId' },
          // Who sent it, by name (a static token's name or the token subject), on every line of the request.
          customProps: (req: IncomingMessage) => {
            const operator = operatorOf(req);
            return operator ? { operator: operator.name } : {};
          },
          autoLogging: { ignore: (req: IncomingMessage) => req.url?.startsWith('/health') ?? false },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
