import {
  ErrorCode,
  EventoError,
  type HeartbeatResponse,
  type HelloRequest,
  instanceSubjects,
  type InstanceSubjects,
  type InstanceStatus,
  type InstanceStatusResponse,
  LIST_INSTANCES_LIMIT,
  type ListInstancesRequest,
  type ListInstancesResponse,
  PROTOCOL_VERSION,
  type SessionRequest,
  type WelcomeResponse,
} from '@evento/contracts';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RegistryConfig } from '../config/registry.config';
import { ConfigurationService } from '../configuration/configuration.service';
import { RoutingService } from '../routing/routing.service';
import { BundleTokens } from '@evento/platform';
import type { ClusterDto } from './dto/cluster.dto';
import { InstancesRepository } from './instances.repository';

export const SUPPORTED_PROTOCOL_VERSIONS = [PROTOCOL_VERSION];

/** A live session, as the catalog needs it. */
export interface LiveSession {
  instanceId: string;
  bundleId: string;
  bundleVersion: string;
}

/** Bundle sessions: hello, heartbeats, enable/disable, goodbye. */
@Injectable()
export class InstancesService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstancesService.name);
  private readonly tokens: BundleTokens;

  constructor(
    private readonly repository: InstancesRepository,
    private readonly routing: RoutingService,
    private readonly config: RegistryConfig,
    private readonly configuration: ConfigurationService,
  ) {
    this.tokens = new BundleTokens(config.BUNDLE_TOKEN, config.BUNDLE_TOKENS);
  }

  onApplicationBootstrap(): void {
    if (this.tokens.open) {
      this.logger.warn('Neither BUNDLE_TOKEN nor BUNDLE_TOKENS is set: every bundle that says hello is accepted');
    }
  }

  async hello(hello: HelloRequest): Promise<WelcomeResponse> {
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(hello.protocolVersion)) {
      throw new EventoError(
        ErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
        `Protocol version ${hello.protocolVersion} is not supported`,
        { supported: SUPPORTED_PROTOCOL_VERSIONS },
      );
    }
    if (this.tokens.check(hello.bundleId, hello.token) === 'rejected') {
      // Never echo or log the token itself.
      this.logger.warn(`Rejected a hello from ${hello.bundleId}/${hello.instanceId}: bad credentials`);
      throw new EventoError(ErrorCode.UNAUTHORIZED, `Bad credentials for bundle ${hello.bundleId}`);
    }
    const sessionId = randomUUID();
    const outcome = await this.repository.hello(
      hello,
      sessionId,
      this.config.INSTANCE_LEASE_MS,
      this.config.INSTANCE_ID,
    );
    if (outcome.kind === 'taken') {
      throw new EventoError(
        ErrorCode.CONFLICT,
        `Instance id ${hello.instanceId} is in use by a live instance of another bundle`,
        { bundleId: outcome.bundleId },
      );
    }
    // A superseded session that was available drops out of routing until the new one enables.
    if (outcome.previousLive && outcome.previousStatus === 'available') {
      await this.routing.changed('superseded', hello.bundleId, hello.instanceId);
    }
    return {
      bundleId: hello.bundleId,
      instanceId: hello.instanceId,
      sessionId,
      protocolVersion: PROTOCOL_VERSION,
      heartbeatIntervalMs: this.config.HEARTBEAT_INTERVAL_MS,
      leaseMs: this.config.INSTANCE_LEASE_MS,
      subjects: this.subjectsOnNats(hello.bundleId, hello.instanceId),
      registryInstanceId: this.config.INSTANCE_ID,
      // Read after the hello committed, so a change made meanwhile is either here or delivered.
      configuration: await this.configuration.forBundle(hello.bundleId),
    };
  }

  /**
   * The instance's subjects as they are on NATS, NATS_SUBJECT_PREFIX included: the welcome
   * tells the instance where to subscribe, so it must name the subjects the suite sends to.
   */
  private subjectsOnNats(bundleId: string, instanceId: string): InstanceSubjects {
    const plain = instanceSubjects(bundleId, instanceId);
    return { requests: this.config.subject(plain.requests), control: this.config.subject(plain.control) };
  }

  async heartbeat(request: SessionRequest): Promise<HeartbeatResponse> {
    const leaseMs = this.config.INSTANCE_LEASE_MS;
    const status = await this.repository.renew(request.instanceId, request.sessionId, leaseMs);
    if (status) return { status: 'ok', instanceStatus: status, leaseMs };
    return { status: 'hello-again', reason: await this.whyNotLive(request), leaseMs };
  }

  enable(request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.move(request, 'available', 'enabled');
  }

  disable(request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.move(request, 'unavailable', 'disabled');
  }

  goodbye(request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.move(request, 'gone', 'goodbye');
  }

  async cluster(): Promise<ClusterDto> {
    return { generatedAt: new Date().toISOString(), instances: await this.repository.list() };
  }

  /** The instances the scaler observes: live ones (any status), gone ones too when asked. */
  async listInstances(request: ListInstancesRequest): Promise<ListInstancesResponse> {
    const rows = await this.repository.listLive(request.bundleId, request.includeGone ?? false, LIST_INSTANCES_LIMIT);
    return {
      generatedAt: new Date().toISOString(),
      truncated: rows.length > LIST_INSTANCES_LIMIT,
      instances: rows.slice(0, LIST_INSTANCES_LIMIT),
    };
  }

  /** The live session's bundle; NOT_FOUND (hello again) when the session is not live. */
  async requireLiveSession(request: SessionRequest): Promise<LiveSession> {
    const lookup = await this.repository.lookup(request.instanceId);
    if (!lookup || lookup.sessionId !== request.sessionId || !lookup.live) {
      throw this.notLive(await this.whyNotLive(request));
    }
    return { instanceId: request.instanceId, bundleId: lookup.bundleId, bundleVersion: lookup.bundleVersion };
  }

  private async move(
    request: SessionRequest,
    to: InstanceStatus,
    reason: 'enabled' | 'disabled' | 'goodbye',
  ): Promise<InstanceStatusResponse> {
    const result = await this.repository.transition(
      request.instanceId,
      request.sessionId,
      to,
      this.config.INSTANCE_LEASE_MS,
    );
    if (!result) throw this.notLive(await this.whyNotLive(request));
    // Enable and disable are idempotent: a repeated one changes nothing and tells no one.
    if (result.before !== result.after) await this.routing.changed(reason, result.bundleId, request.instanceId);
    return { instanceId: request.instanceId, status: result.after };
  }

  private async whyNotLive(request: SessionRequest): Promise<'unknown' | 'superseded' | 'gone'> {
    const lookup = await this.repository.lookup(request.instanceId);
    if (!lookup) return 'unknown';
    if (lookup.sessionId !== request.sessionId) return 'superseded';
    return 'gone';
  }

  private notLive(reason: 'unknown' | 'superseded' | 'gone'): EventoError {
    return new EventoError(ErrorCode.NOT_FOUND, `Session is not live (${reason}); send a hello again`, { reason });
  }
}
