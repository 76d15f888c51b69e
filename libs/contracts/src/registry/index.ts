import { defineEvent, defineRequest } from '../contract';
import { SUBJECT_PREFIX } from '../protocol';
import { DiscoverPartRequest, DiscoverPartResponse, DiscoverRequest, DiscoverResponse } from './descriptor.contract';
import { HelloRequest, WelcomeResponse } from './hello.contract';
import { ValidatePayloadRequest, ValidatePayloadResponse } from './payloads.contract';
import {
  HeartbeatRequest,
  HeartbeatResponse,
  InstanceStatusResponse,
  ListInstancesRequest,
  ListInstancesResponse,
  SessionRequest,
} from './instances.contract';
import { ReportConsumersRequest, ReportConsumersResponse } from './consumers.contract';
import { RoutingChanged, RoutingTableRequest, RoutingTableResponse } from './routing.contract';

export * from './hello.contract';
export * from './descriptor.contract';
export * from './instances.contract';
export * from './routing.contract';
export * from './payloads.contract';
export * from './consumers.contract';

const RG = `${SUBJECT_PREFIX}.registry` as const;

export const RegistryContracts = {
  /** An instance announces itself; welcome, or UNSUPPORTED_PROTOCOL_VERSION / UNAUTHORIZED. */
  hello: defineRequest(`${RG}.bundles.hello`, HelloRequest, WelcomeResponse),
  /** The bundle's descriptor: replaces the bundle's catalog entry. */
  discover: defineRequest(`${RG}.bundles.discover`, DiscoverRequest, DiscoverResponse),
  /** One part of a descriptor too large for one message; the part that completes it answers like `discover`. */
  discoverPart: defineRequest(`${RG}.bundles.discover-part`, DiscoverPartRequest, DiscoverPartResponse),
  /** Renews the lease; the reply says when the registry forgot the session. */
  heartbeat: defineRequest(`${RG}.instances.heartbeat`, HeartbeatRequest, HeartbeatResponse),
  enable: defineRequest(`${RG}.instances.enable`, SessionRequest, InstanceStatusResponse),
  disable: defineRequest(`${RG}.instances.disable`, SessionRequest, InstanceStatusResponse),
  goodbye: defineRequest(`${RG}.instances.goodbye`, SessionRequest, InstanceStatusResponse),
  /** Checks a body against the registered JSON Schema of a payload; NOT_FOUND when no bundle declares it. */
  validatePayload: defineRequest(`${RG}.payloads.validate`, ValidatePayloadRequest, ValidatePayloadResponse),
  /** The consumers an instance runs, and which of them it is the active one for. */
  reportConsumers: defineRequest(`${RG}.consumers.report`, ReportConsumersRequest, ReportConsumersResponse),
  routingTable: defineRequest(`${RG}.routing.table`, RoutingTableRequest, RoutingTableResponse),
  /** Every live instance (any status but gone, unless asked), for the scaler's view of the cluster. */
  listInstances: defineRequest(`${RG}.instances.list`, ListInstancesRequest, ListInstancesResponse),
  /** Fan-out to every gateway and registry replica whenever routing may have changed. */
  routingChanged: defineEvent(`${RG}.routing.changed`, RoutingChanged),
} as const;
