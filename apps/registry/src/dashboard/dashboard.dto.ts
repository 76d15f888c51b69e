import type { ComponentType, InstanceStatus, PayloadKind } from '@evento/contracts';

export class DashboardDto {
  generatedAt: string;
  /** `present`: with at least one live instance; `absent`: expected (in the catalog) but not running. */
  bundles: { total: number; present: number; absent: number };
  /** Every status, zero included; `gone` counts instances that left within the last hour. */
  instances: Record<InstanceStatus, number> & { live: number };
  components: { total: number; byType: Record<ComponentType, number> };
  handlers: number;
  /** Payload declarations (a name two bundles declare counts twice). */
  payloads: { total: number; byKind: Record<PayloadKind, number> };
  /** Distinct consumers run by live instances, and those with dead events. */
  consumers: { total: number; withDeadEvents: number };
}
