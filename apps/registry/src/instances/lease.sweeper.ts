import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { RegistryConfig } from '../config/registry.config';
import { RoutingService } from '../routing/routing.service';
import { InstancesRepository } from './instances.repository';

/** How long gone instances stay visible in the cluster view before they are forgotten. */
const GONE_RETENTION_MS = 60 * 60 * 1000;

/**
 * Every replica sweeps: whichever replica is alive notices an expired lease, also when the
 * one that saw the instance join has died. Row locks let only one replica report each expiry.
 */
@Injectable()
export class LeaseSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LeaseSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private sweeps = 0;

  constructor(
    private readonly repository: InstancesRepository,
    private readonly routing: RoutingService,
    private readonly config: RegistryConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // Never two sweeps at once on one replica: a slow database would pile them up.
      if (!this.running) this.running = this.sweep().finally(() => (this.running = undefined));
    }, this.config.LEASE_SWEEP_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<void> {
    try {
      const expired = await this.repository.expireLeases();
      for (const instance of expired) {
        this.logger.log(`Instance ${instance.bundleId}/${instance.instanceId} left: lease expired`);
        await this.routing.changed('lease-expired', instance.bundleId, instance.instanceId);
      }
      this.sweeps += 1;
      if (this.sweeps % 600 === 0) await this.repository.pruneGone(GONE_RETENTION_MS);
    } catch (error) {
      // Postgres may be away for a moment; the next sweep catches up.
      this.logger.warn(`Lease sweep failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
