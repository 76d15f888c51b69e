import { ErrorCode, type ErrorBody, EventoError, HTTP_STATUS_BY_CODE, parseRequestBody } from '@evento/contracts';
import type { NextFunction, Request, Response } from 'express';

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
