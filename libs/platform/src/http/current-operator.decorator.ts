import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { OperatorPrincipal } from '../auth/operator-roles';
import { operatorOf } from './operator-auth';

/**
 * The authenticated operator behind an HTTP request, for what must record who did it (an
 * approval, a credential issued). Taken from the request's credentials, never from its body.
 */
export const CurrentOperator = createParamDecorator((_data: unknown, context: ExecutionContext): OperatorPrincipal => {
  const operator = operatorOf(context.switchToHttp().getRequest<IncomingMessage>());
  if (!operator) throw new Error('CurrentOperator used on a route without operator authentication');
  return operator;
});
