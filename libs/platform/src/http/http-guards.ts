import { ErrorCode, type ErrorBody, EventoError, HTTP_STATUS_BY_CODE, parseRequestBody } from '@evento/contracts';
import type { NextFunction, Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

function send(res: Response, body: ErrorBody): void {
  (res.locals as { errorCode?: string }).errorCode = body.code;
  res.status(HTTP_STATUS_BY_CODE[body.code]).json(body);
}

/**
 * Parses JSON bodies (read raw by `express.raw`) the way the NATS edge parses messages: shape
 * bounded before parsing, then parsed, then checked (parseRequestBody). One parser for both.
 */
export function jsonBody(req: Request, res: Response, next: NextFunction): void {
  if (!Buffer.isBuffer(req.body)) return next();
  try {
    req.body = parseRequestBody(req.body);
  } catch (error) {
    if (error instanceof EventoError) return send(res, error.toBody());
    throw error;
  }
  next();
}

/** Body-parser failures (bad JSON, too large) answered with the protocol's error body. */
export function bodyParserErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const failure = err as { type?: string; status?: number };
  if (failure?.type === 'entity.too.large') {
    return send(res, { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'Request body is too large' });
  }
  if (failure?.type && failure.status && failure.status < 500) {
    return send(res, { code: ErrorCode.MALFORMED_MESSAGE, message: 'Request body is not valid JSON' });
  }
  next(err);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Operators authenticate with `Authorization: Bearer <OPERATOR_TOKEN>` on every path but
 * the health checks (and the docs, when they are public).
 */
export function operatorAuth(token: string, options: { docsPublic: boolean }) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = req.path;
    if (path.startsWith('/health/') || (options.docsPublic && (path === '/docs' || path.startsWith('/docs')))) {
      return next();
    }
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (presented && timingSafeEqual(digest(presented), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="evento"');
    send(res, { code: ErrorCode.UNAUTHORIZED, message: 'A valid operator token is required' });
  };
}
