import {
  type ControlRequest,
  ErrorCode,
  EventoError,
  type ReportConsumersRequest,
  type ReportConsumersResponse,
} from '@evento/contracts';
import { readPage } from '../common/page-query.dto';
import { Injectable } from '@nestjs/common';
import { RegistryConfig } from '../config/registry.config';
import { InstanceControl } from '../control/instance-control';
import { InstancesService } from '../instances/instances.service';
import { ConsumersRepository } from './consumers.repository';
import type { ConsumerDto, ConsumerPageDto } from './dto/consumers.dto';
import { ConsumerActionReply, ConsumerStatusReply } from './instance-replies';

/** A relayed answer names the instance that gave it. */
export type Relayed<T> = T & { instanceId: string };

/**
 * Consumers as instances report them, and the operator's admin actions, relayed to the
 * instance that runs the consumer actively.
 */
@Injectable()
export class ConsumersService {
  constructor(
    private readonly repository: ConsumersRepository,
    private readonly instances: InstancesService,
    private readonly control: InstanceControl,
    private readonly config: RegistryConfig,
  ) {}

  async report(request: ReportConsumersRequest): Promise<ReportConsumersResponse> {
    const seen = new Set<string>();
    const twice = request.consumers.find((c) => seen.size === seen.add(c.consumerId).size);
    if (twice) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, `Consumer ${twice.consumerId} is reported twice`, [
        { property: 'consumers', constraints: { unique: `consumer ${twice.consumerId} is reported twice` } },
      ]);
    }
    const bundleId = await this.repository.report(request.instanceId, request.sessionId, request.consumers);
    if (bundleId === null) {
      // Not live: the same answer (and reason) every other session message gets.
      await this.instances.requireLiveSession(request);
      throw new EventoError(ErrorCode.NOT_FOUND, 'Session is not live; send a hello again');
    }
    return { accepted: request.consumers.length };
  }

  async list(bundleId: string | undefined, page?: number, pageSize?: number): Promise<ConsumerPageDto> {
    return readPage((limit, offset) => this.repository.list({ bundleId, limit, offset }), page, pageSize);
  }

  async consumer(bundleId: string, consumerId: string): Promise<ConsumerDto> {
    return this.find(bundleId, consumerId);
  }

  status(bundleId: string, consumerId: string): Promise<Relayed<ConsumerStatusReply>> {
    return this.relay(bundleId, consumerId, { type: 'consumer-status', consumerId }, ConsumerStatusReply);
  }

  setRetry(
    bundleId: string,
    consumerId: string,
    position: string,
    retry: boolean,
  ): Promise<Relayed<ConsumerActionReply>> {
    return this.relay(
      bundleId,
      consumerId,
      { type: 'consumer-set-retry', consumerId, position, retry },
      ConsumerActionReply,
    );
  }

  deleteDead(bundleId: string, consumerId: string, position: string): Promise<Relayed<ConsumerActionReply>> {
    return this.relay(
      bundleId,
      consumerId,
      { type: 'consumer-delete-dead', consumerId, position },
      ConsumerActionReply,
    );
  }

  replayDead(bundleId: string, consumerId: string): Promise<Relayed<ConsumerActionReply>> {
    return this.relay(bundleId, consumerId, { type: 'consumer-replay-dead', consumerId }, ConsumerActionReply);
  }

  reset(bundleId: string, consumerId: string, cursor: string): Promise<Relayed<ConsumerActionReply>> {
    return this.relay(bundleId, consumerId, { type: 'consumer-reset', consumerId, cursor }, ConsumerActionReply);
  }

  private async relay<T extends { consumerId: string }>(
    bundleId: string,
    consumerId: string,
    message: ControlRequest,
    replyClass: new () => T,
  ): Promise<Relayed<T>> {
    const row = await this.find(bundleId, consumerId);
    if (!row.activeInstanceId) {
      throw new EventoError(
        ErrorCode.NO_AVAILABLE_INSTANCE,
        `No live instance of ${bundleId} runs consumer ${consumerId} actively`,
        { bundleId, consumerId, reportedBy: row.instances.map((i) => i.instanceId) },
      );
    }
    const instanceId = row.activeInstanceId;
    const reply = await this.control.request(
      { bundleId, instanceId },
      message,
      replyClass,
      this.config.CONSUMER_ADMIN_TIMEOUT_MS,
    );
    if (reply.consumerId !== consumerId) {
      throw new EventoError(
        ErrorCode.HANDLER_FAILED,
        `Instance ${bundleId}/${instanceId} answered for consumer ${reply.consumerId}, not ${consumerId}`,
        { instanceId, reason: 'invalid-reply' },
      );
    }
    return { ...reply, instanceId };
  }

  /**
   * The consumer as live instances report it. One answer for "no such consumer" on the lookup
   * and on every admin action: NOT_FOUND. NO_AVAILABLE_INSTANCE (retryable) is kept for a
   * consumer that exists but that no instance runs actively or answers for.
   */
  private async find(bundleId: string, consumerId: string): Promise<ConsumerDto> {
    const consumer = await this.repository.find(bundleId, consumerId);
    if (!consumer) {
      throw new EventoError(ErrorCode.NOT_FOUND, `No live instance of ${bundleId} reports consumer ${consumerId}`, {
        bundleId,
        consumerId,
      });
    }
    return consumer;
  }
}
