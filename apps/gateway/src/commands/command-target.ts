import { ErrorCode, EventoError, NAME_PATTERN, type SendCommandRequest } from '@evento/contracts';

const ID_RULE = '1-200 printable characters without spaces';

function invalid(property: string, rule: string, message: string): EventoError {
  return new EventoError(ErrorCode.VALIDATION_FAILED, message, [{ property, constraints: { [rule]: message } }]);
}

/**
 * The aggregate a domain command runs on. Where its bundle declares which payload property holds
 * the aggregate id (`aggregateIdProperty`), that property decides: the request's `aggregateId`
 * may be left out and, when given, must be the same id, so an event can never be stored on an
 * aggregate its command does not name. Without a declaration, `aggregateId` is required.
 */
export function domainAggregateId(request: SendCommandRequest, aggregateIdProperty: string | null): string {
  if (aggregateIdProperty === null) {
    if (request.aggregateId) return request.aggregateId;
    throw invalid(
      'aggregateId',
      'isDefined',
      `${request.command} is a domain command whose bundle names no aggregate id property: aggregateId is required`,
    );
  }
  const where = `payload.${aggregateIdProperty}`;
  const named = Object.prototype.hasOwnProperty.call(request.payload, aggregateIdProperty)
    ? request.payload[aggregateIdProperty]
    : undefined;
  if (named === undefined || named === null) {
    throw invalid(where, 'isDefined', `${request.command} names its aggregate in ${where}, which is missing`);
  }
  if (typeof named !== 'string' || !NAME_PATTERN.test(named)) {
    throw invalid(where, 'isAggregateId', `${where} of ${request.command} must be an aggregate id (${ID_RULE})`);
  }
  if (request.aggregateId !== undefined && request.aggregateId !== named) {
    throw invalid(
      'aggregateId',
      'matchesPayload',
      `aggregateId ${request.aggregateId} is not the aggregate ${request.command} names in ${where} (${named}): ` +
        'send the same id in both, or leave aggregateId out',
    );
  }
  return named;
}
