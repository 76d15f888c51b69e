import {
  instanceSubjects,
  RegistryContracts,
  type RoutingChangeReason,
  type RoutingTableResponse,
} from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { Injectable, Logger } from '@nestjs/common';
import { RoutingRepository } from './routing.repository';

const VERSION_ATTEMPTS = 3;

@Injectable()
export class RoutingService {
  private readonly logger = new Logger(RoutingService.name);

  constructor(
    private readonly repository: RoutingRepository,
    private readonly client: EventoClient,
  ) {}

  async table(bundleId?: string): Promise<RoutingTableResponse> {
    // Read before the routes: a change is numbered only after it committed, so a table read
    // after the number was drawn includes the change (the table is at least this new).
    const version = await this.repository.currentVersion();
    const rows = await this.repository.routes(bundleId);
    return {
      generatedAt: new Date().toISOString(),
      version,
      routes: rows.map((route) => ({
        ...route,
        instances: route.instances.map((instance) => ({
          ...instance,
          requestsSubject: instanceSubjects(route.bundleId, instance.instanceId).requests,
        })),
      })),
    };
  }

  /**
   * Tells every gateway (and registry replica) that the table may have changed. Called after
   * the change committed; the change is numbered then, so whoever reloads the table sees it.
   * Never throws: the change is committed whatever happens to the notice.
   */
  async changed(reason: RoutingChangeReason, bundleId: string, instanceId?: string): Promise<void> {
    const version = await this.numberChange();
    const sent = this.client.publish(RegistryContracts.routingChanged, {
      reason,
      version,
      bundleId,
      instanceId,
      at: new Date().toISOString(),
    });
    // Gateways that miss the notice still reload on their own schedule.
    if (!sent) this.logger.warn('Could not publish routing.changed: NATS connection closed');
  }

  /** The next routing version; 0 when Postgres stays away through a few quick retries. */
  private async numberChange(): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.repository.nextVersion();
      } catch (error) {
        if (attempt >= VERSION_ATTEMPTS) {
          this.logger.warn(`Could not number a routing change, notifying with version 0: ${String(error)}`);
          return 0;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }
}
