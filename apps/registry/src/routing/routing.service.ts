import {
  instanceSubjects,
  RegistryContracts,
  type RoutingChangeReason,
  type RoutingTableResponse,
} from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { Injectable, Logger } from '@nestjs/common';
import { RoutingRepository } from './routing.repository';

@Injectable()
export class RoutingService {
  private readonly logger = new Logger(RoutingService.name);

  constructor(
    private readonly repository: RoutingRepository,
    private readonly client: EventoClient,
  ) {}

  async table(bundleId?: string): Promise<RoutingTableResponse> {
    const rows = await this.repository.routes(bundleId);
    return {
      generatedAt: new Date().toISOString(),
      routes: rows.map((row) => ({
        payload: row.payload,
        kind: row.kind,
        bundleId: row.bundle_id,
        componentName: row.component_name,
        handlerType: row.handler_type,
        instances: row.instances.map((instance) => ({
          ...instance,
          requestsSubject: instanceSubjects(row.bundle_id, instance.instanceId).requests,
        })),
      })),
    };
  }

  /**
   * Tells every gateway (and registry replica) that the table may have changed. Published
   * after the change committed, so whoever reloads the table sees it.
   */
  changed(reason: RoutingChangeReason, bundleId: string, instanceId?: string): void {
    try {
      this.client.publish(RegistryContracts.routingChanged, {
        reason,
        bundleId,
        instanceId,
        at: new Date().toISOString(),
      });
    } catch (error) {
      // The change is committed; gateways that miss the notice still reload on their own schedule.
      this.logger.warn(`Could not publish routing.changed: ${String(error)}`);
    }
  }
}
