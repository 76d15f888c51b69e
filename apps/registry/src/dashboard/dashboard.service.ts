import { COMPONENT_TYPES, INSTANCE_STATUSES, PAYLOAD_KINDS } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { ConsumersRepository } from '../consumers/consumers.repository';
import { DashboardRepository } from './dashboard.repository';
import type { DashboardDto } from './dashboard.dto';

@Injectable()
export class DashboardService {
  constructor(
    private readonly repository: DashboardRepository,
    private readonly consumers: ConsumersRepository,
  ) {}

  async dashboard(): Promise<DashboardDto> {
    const [counts, consumers] = await Promise.all([this.repository.counts(), this.consumers.counts()]);
    const instances = zeroed(INSTANCE_STATUSES, counts.instancesByStatus);
    const byType = zeroed(COMPONENT_TYPES, counts.componentsByType);
    const byKind = zeroed(PAYLOAD_KINDS, counts.payloadsByKind);
    return {
      generatedAt: new Date().toISOString(),
      bundles: {
        total: counts.bundles,
        present: counts.presentBundles,
        absent: counts.bundles - counts.presentBundles,
      },
      instances: { ...instances, live: instances.joined + instances.available + instances.unavailable },
      components: { total: sum(byType), byType },
      handlers: counts.handlers,
      payloads: { total: sum(byKind), byKind },
      consumers: { total: consumers.consumers, withDeadEvents: consumers.withDeadEvents },
    };
  }
}

/** Every known name with its count (0 when absent); names the database holds but the code does not know are left out. */
function zeroed<K extends string>(names: readonly K[], counts: Record<string, number>): Record<K, number> {
  return Object.fromEntries(names.map((name) => [name, counts[name] ?? 0])) as Record<K, number>;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
