import { defineRequest } from '../contract';
import { SUBJECT_PREFIX } from '../protocol';
import {
  CommandResult,
  GatewayRoutesRequest,
  GatewayRoutesResponse,
  PublishEventRequest,
  PublishResult,
  QueryResult,
  SendCommandRequest,
  SendQueryRequest,
} from './commands.contract';

export * from './commands.contract';

const GW = `${SUBJECT_PREFIX}.gateway` as const;

/**
 * What bundles (and anyone else) send to the gateway. Headers: evento-request-id (a retry with
 * the same id is answered, not run twice), evento-correlation-id, evento-deadline (absolute,
 * ms since the epoch; default now + GATEWAY_DEFAULT_TIMEOUT_MS).
 */
export const GatewayContracts = {
  command: defineRequest(`${GW}.commands.send`, SendCommandRequest, CommandResult),
  query: defineRequest(`${GW}.queries.send`, SendQueryRequest, QueryResult),
  publish: defineRequest(`${GW}.events.publish`, PublishEventRequest, PublishResult),
  routes: defineRequest(`${GW}.routing.table`, GatewayRoutesRequest, GatewayRoutesResponse),
} as const;
