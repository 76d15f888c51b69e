import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import type { PayloadKind } from './descriptor.contract';
import { BUNDLE_ID_PATTERN, INSTANCE_ID_PATTERN } from './hello.contract';

export class RoutingTableRequest {
  /** Only the routes of this bundle. */
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;
}

export class RoutedInstance {
  instanceId: string;
  bundleVersion: string;
  /** The instance's requests subject (add NATS_SUBJECT_PREFIX when the suite runs under one). */
  requestsSubject: string;
}

/** One payload handled by one bundle. A payload handled by two bundles has two routes. */
export class Route {
  payload: string;
  kind: PayloadKind;
  bundleId: string;
  componentName: string;
  handlerType: string;
  /**
   * Domain commands: the payload property that holds the aggregate id, as the bundle's
   * descriptor declares it; null when it declares none (callers then send `aggregateId`).
   */
  aggregateIdProperty: string | null;
  /** Available instances with a live lease, ordered by instance id (stable for hashing). */
  instances: RoutedInstance[];
}

export class RoutingTableResponse {
  generatedAt: string;
  /**
   * The routing version this table is at least as new as (shared by every registry replica, grows
   * with every change). A gateway keeps the table with the highest version and ignores older ones.
   */
  version: number;
  /** Commands and queries (the payloads the gateway routes), ordered by payload then bundle. */
  routes: Route[];
}

export const ROUTING_CHANGE_REASONS = [
  'enabled',
  'disabled',
  'joined',
  'superseded',
  'goodbye',
  'lease-expired',
  'discovered',
  'removed',
  'transferred',
] as const;
export type RoutingChangeReason = (typeof ROUTING_CHANGE_REASONS)[number];

/** Published when the routing table may have changed; gateways ask for the table again. */
export class RoutingChanged {
  @IsIn(ROUTING_CHANGE_REASONS)
  reason: RoutingChangeReason;
  /**
   * The routing version after this change; a table with this version or higher includes it.
   * 0 only when the registry could not number the change (database away): reload anyway.
   */
  @IsInt()
  @Min(0)
  version: number;

  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId: string;

  @IsOptional()
  @Matches(INSTANCE_ID_PATTERN, { message: 'instanceId must be an instance id' })
  instanceId?: string;

  @IsString()
  @MaxLength(64)
  at: string;
}
