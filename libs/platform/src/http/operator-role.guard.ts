import { ErrorCode, EventoError } from '@evento/contracts';
import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { roleAllows } from '../auth/operator-roles';
import { challenge, operatorOf } from './operator-auth';
import { ROUTE_ACCESS_METADATA, type RouteAccess } from './requires.decorator';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one place operation roles are enforced, registered globally in the bootstrap: the
 * operation's @Requires role against the role of the operator that operatorAuthentication
 * established. Not authenticated: 401; authenticated with too low a role (or none): 403
 * FORBIDDEN. An operation without a declared role is refused outright (the boot check makes
 * that unreachable). Writes are logged with the operator's name, never the token.
 */
@Injectable()
export class OperatorRoleGuard implements CanActivate {
  private readonly logger = new Logger('Operators');

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const access = this.reflector.get<RouteAccess | undefined>(ROUTE_ACCESS_METADATA, context.getHandler());
    if (access === 'public') return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (access === undefined) {
      throw new EventoError(ErrorCode.FORBIDDEN, 'This operation declares no role, so nobody may call it');
    }
    const operator = operatorOf(req);
    if (!operator) {
      challenge(http.getResponse<Response>(), false);
      throw new EventoError(ErrorCode.UNAUTHORIZED, 'A valid operator token is required');
    }
    if (!operator.role) {
      throw new EventoError(
        ErrorCode.FORBIDDEN,
        `This operation requires the ${access} role; ${operator.name} has none`,
      );
    }
    if (!roleAllows(operator.role, access)) {
      throw new EventoError(
        ErrorCode.FORBIDDEN,
        `This operation requires the ${access} role; ${operator.name} has ${operator.role}`,
      );
    }
    if (!READS.has(req.method)) {
      this.logger.log(`${req.method} ${req.path} by ${operator.name} (${operator.role}, ${operator.via})`);
    }
    return true;
  }
}
