import { type ErrorBody, ErrorCode, HTTP_STATUS_BY_CODE } from '@evento/contracts';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OperatorAuthenticator } from '../auth/operator-authenticator';
import type { OperatorPrincipal } from '../auth/operator-roles';

const principals = new WeakMap<IncomingMessage, OperatorPrincipal>();

/** The operator who sent this request, once authentication let it through (none on public paths). */
export function operatorOf(req: IncomingMessage): OperatorPrincipal | undefined {
  return principals.get(req);
}

const BEARER = /^Bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive). */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/** A 401 says which scheme to use, and per RFC 6750 why a presented token was refused. */
export function challenge(res: ServerResponse, invalidToken: boolean): void {
  res.setHeader('WWW-Authenticate', `Bearer realm="evento"${invalidToken ? ', error="invalid_token"' : ''}`);
}

function send(res: Response, body: ErrorBody): void {
  // For the rejected-input metric, which only sees the status otherwise.
  (res.locals as { errorCode?: string }).errorCode = body.code;
  res.status(HTTP_STATUS_BY_CODE[body.code]).json(body);
}

function isDocsPath(path: string): boolean {
  return path === '/docs' || path.startsWith('/docs');
}

/** Express matches `/health/ready/` to `/health/ready`; so do the public paths. */
function normalise(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export interface OperatorAuthOptions {
  /** Serve Swagger UI and the OpenAPI document without credentials. */
  docsPublic: boolean;
  /** Paths of the operations declared @Public(), matched exactly. */
  publicPaths: ReadonlySet<string>;
}

/**
 * Authentication, the first thing a request meets (before its body is read): on every path but
 * the public operations (and the docs, when they are public) a bearer token is required, and it
 * must be a static token or a JWT the identity provider signed. Refused: 401 UNAUTHORIZED with
 * `WWW-Authenticate: Bearer`; identity provider unreachable: 503 UNAVAILABLE. Which role each
 * operation needs is the OperatorRoleGuard's business; the docs need any role.
 */
export function operatorAuthentication(authenticator: OperatorAuthenticator, options: OperatorAuthOptions) {
  const logger = new Logger('OperatorAuth');
  let lastUnavailableLog = 0;
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = normalise(req.path);
    const docs = isDocsPath(path);
    if (options.publicPaths.has(path) || (docs && options.docsPublic)) return next();
    const token = bearerTokenOf(req.headers.authorization);
    if (token === undefined) {
      challenge(res, false);
      return send(res, { code: ErrorCode.UNAUTHORIZED, message: 'A valid operator token is required' });
    }
    authenticator.authenticate(token).then((check) => {
      if (check.outcome === 'unavailable') {
        // Once a minute at most: every request fails the same way while the provider is down.
        if (Date.now() - lastUnavailableLog > 60_000) {
          lastUnavailableLog = Date.now();
          logger.warn(`Operator tokens cannot be verified: ${check.reason}`);
        }
        return send(res, {
          code: ErrorCode.UNAVAILABLE,
          message: 'The identity provider cannot be reached to verify the token; retry later',
        });
      }
      if (check.outcome === 'rejected') {
        challenge(res, true);
        return send(res, { code: ErrorCode.UNAUTHORIZED, message: 'A valid operator token is required' });
      }
      principals.set(req, check.principal);
      if (docs && !check.principal.role) {
        return send(res, { code: ErrorCode.FORBIDDEN, message: `${check.principal.name} has no operator role` });
      }
      next();
    }, next);
  };
}

/** Marks every request as sent by no one in particular: no credential is configured (never in production). */
export function openOperatorAccess(req: IncomingMessage, _res: ServerResponse, next: () => void): void {
  principals.set(req, { name: 'anonymous', role: 'admin', via: 'open' });
  next();
}
