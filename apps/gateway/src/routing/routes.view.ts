import type { GatewayRoutesResponse } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import { RoutingTableService } from './routing-table.service';

/** The routing table as this gateway holds it, for operators and tests. */
@Injectable()
export class RoutesView {
  constructor(
    private readonly routing: RoutingTableService,
    private readonly config: GatewayConfig,
  ) {}

  view(payload?: string): GatewayRoutesResponse {
    const { loadedAt, routes } = this.routing.snapshot();
    return {
      gatewayInstanceId: this.config.INSTANCE_ID,
      loadedAt: loadedAt?.toISOString() ?? null,
      routes: routes
        .filter((route) => payload === undefined || route.payload === payload)
        .map((route) => ({
          payload: route.payload,
          kind: route.kind,
          bundleId: route.bundleId,
          componentName: route.componentName,
          aggregateIdProperty: route.aggregateIdProperty ?? null,
          instances: route.instances.map((instance) => instance.instanceId),
        })),
    };
  }
}
