import type { NextFunction, Request, Response } from 'express';
import type { Counter } from 'prom-client';
import type { MetricsService } from './metrics.service';

/**
 * Rejected input, counted where it is answered: every NATS error reply by subject (without
 * NATS_SUBJECT_PREFIX; only subjects the app serves can get one) and error code, and every
 * HTTP 4xx by status and error code. Both label sets are bounded by the app's own subjects,
 * the HTTP statuses and the protocol's error codes.
 */
export class RejectedInputMetrics {
  private readonly natsReplies: Counter<'subject' | 'code'>;
  private readonly httpRejections: Counter<'status' | 'code'>;

  constructor(
    metrics: MetricsService,
    private readonly subjectPrefix?: string,
  ) {
    this.natsReplies = metrics.counter({
      name: 'evento_nats_error_replies_total',
      help: 'Error replies sent on NATS, by subject and error code',
      labelNames: ['subject', 'code'],
    });
    this.httpRejections = metrics.counter({
      name: 'evento_http_client_errors_total',
      help: 'HTTP requests answered with a 4xx status, by status and error code',
      labelNames: ['status', 'code'],
    });
  }

  natsErrorReply(subject: string | undefined, code: string): void {
    let plain = subject ?? 'unknown';
    if (this.subjectPrefix && plain.startsWith(`${this.subjectPrefix}.`)) {
      plain = plain.slice(this.subjectPrefix.length + 1);
    }
    this.natsReplies.inc({ subject: plain, code });
  }

  /** Express middleware, mounted first so it also sees what auth and body checks refuse. */
  readonly http = (_req: Request, res: Response, next: NextFunction): void => {
    res.once('finish', () => {
      if (res.statusCode < 400 || res.statusCode >= 500) return;
      const code = (res.locals as { errorCode?: unknown }).errorCode;
      this.httpRejections.inc({ status: String(res.statusCode), code: typeof code === 'string' ? code : '' });
    });
    next();
  };
}
