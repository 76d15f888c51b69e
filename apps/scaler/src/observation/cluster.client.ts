import {
  compileValidator,
  type DrainRequest,
  DrainResponse,
  instanceSubjects,
  natsFailure,
  readReply,
  type ListedInstance,
  RegistryContracts,
} from '@evento/contracts';
import { BaseConfig, EventoClient, NatsConnectionService } from '@evento/platform';
import { Injectable } from '@nestjs/common';

const REGISTRY_TIMEOUT_MS = 3_000;
const DRAIN_REPLY_TIMEOUT_MS = 5_000;

/** The scaler's view of the cluster (the registry, over NATS) and its voice to instances. */
@Injectable()
export class ClusterClient {
  constructor(
    private readonly client: EventoClient,
    private readonly nats: NatsConnectionService,
    private readonly config: BaseConfig,
  ) {}

  /** Live instances of the bundle (any status but gone). */
  async instances(bundleId: string): Promise<ListedInstance[]> {
    const reply = await this.client.request(
      RegistryContracts.listInstances,
      { bundleId },
      { timeoutMs: REGISTRY_TIMEOUT_MS },
    );
    return reply.instances.filter((instance) => instance.status !== 'gone');
  }

  /** Asks one instance to drain on its control subject; resolves with its answer. */
  async drain(bundleId: string, instanceId: string, reason: string, timeoutMs: number): Promise<DrainResponse> {
    const subject = this.config.subject(instanceSubjects(bundleId, instanceId).control);
    const body: DrainRequest = { type: 'drain', reason, timeoutMs };
    let reply: Uint8Array;
    try {
      reply = (await this.nats.connection.request(subject, JSON.stringify(body), { timeout: DRAIN_REPLY_TIMEOUT_MS }))
        .data;
    } catch (error) {
      throw natsFailure(error, `drain to instance ${bundleId}/${instanceId}`, DRAIN_REPLY_TIMEOUT_MS);
    }
    return readReply(reply, {
      from: `Instance ${bundleId}/${instanceId}`,
      untrusted: true,
      validate: compileValidator(DrainResponse),
    });
  }
}
