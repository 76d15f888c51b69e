import type { InstanceStatus } from '@evento/contracts';

export class InstanceDto {
  instanceId: string;
  bundleId: string;
  bundleVersion: string;
  /** joined, available, unavailable (disabled or draining), gone (an expired lease reads as gone). */
  status: InstanceStatus;
  host: string;
  pid: number;
  pod: string | null;
  node: string | null;
  /** The registry replica that answered its hello. */
  registryInstanceId: string;
  joinedAt: string;
  lastHeartbeatAt: string;
  leaseExpiresAt: string;
  leftAt: string | null;
  leftReason: string | null;
}

export class ClusterDto {
  generatedAt: string;
  instances: InstanceDto[];
}
