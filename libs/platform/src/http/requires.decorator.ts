import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { OperatorRole } from '../auth/operator-roles';
import { ErrorBodyDto } from './error-body.dto';

/** What an HTTP operation asks of its caller: a role, or nothing at all. */
export type RouteAccess = OperatorRole | 'public';

/** Where @Requires and @Public keep the operation's access on its handler. */
export const ROUTE_ACCESS_METADATA = 'evento:route-access';
/** The OpenAPI extension every operation carries its access in. */
export const REQUIRED_ROLE_EXTENSION = 'x-required-role';

/**
 * The role an operator needs for this HTTP operation (it includes the lower ones). Enforced by
 * the global OperatorRoleGuard and shown in Swagger: bearer security, `x-required-role`, the
 * role in the description, and the 401 and 403 answers. Every operation must declare its
 * access, with this or @Public(): the app refuses to boot otherwise.
 */
export function Requires(role: OperatorRole): MethodDecorator {
  // JSON whatever the operation itself produces (e.g. /metrics: text/plain).
  const errorBody = { 'application/json': { schema: { $ref: getSchemaPath(ErrorBodyDto) } } };
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS_METADATA, role),
    ApiBearerAuth(),
    ApiExtension(REQUIRED_ROLE_EXTENSION, role),
    ApiExtraModels(ErrorBodyDto),
    ApiUnauthorizedResponse({
      description: 'No operator credential, or one that is unknown, expired or not for this server (UNAUTHORIZED)',
      content: errorBody,
    }),
    ApiForbiddenResponse({ description: `The operator's role is below ${role} (FORBIDDEN)`, content: errorBody }),
  );
}

/** An operation anyone who reaches the port may call, without credentials: health checks only. */
export function Public(): MethodDecorator {
  return applyDecorators(SetMetadata(ROUTE_ACCESS_METADATA, 'public'), ApiExtension(REQUIRED_ROLE_EXTENSION, 'public'));
}
