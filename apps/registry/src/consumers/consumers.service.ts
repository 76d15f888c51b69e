import {
  type ControlRequest,
  ErrorCode,
  EventoError,
  type ReportConsumersRequest,
  type ReportConsumersResponse,
} from '@evento/contracts';
import { DEFAULT_PAGE_SIZE } from '../common/page-query.dto';
import { Injectable } from '@nestjs/common';
import { RegistryConfig } from '../config/registry.config';
import { InstanceControl } from '../control/instance-control';
import { InstancesService } from '../instances/instances.service';
import { type ConsumerRow, ConsumersRepository } from './consumers.repository';
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

  async list(bundleId: string | undefined, page = 1, pageSize = DEFAULT_PAGE_SIZE): Promise<ConsumerPageDto> {
    const rows = await this.repository.list({ bundleId, limit: pageSize, offset: (page - 1) * pageSize });
    return {
      items: rows.map(toDto),
      page,
      pageSize,
      total: rows[0]?.total ?? (page > 1 ? await this.total(bundleId) : 0),
    };
  }

  async consumer(bundleId: string, consumerId: string): Promise<ConsumerDto> {
    return toDto(await this.find(bundleId, consumerId));
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
    if (!row.active_instance_id) {
      throw new EventoError(
        ErrorCode.NO_AVAILABLE_INSTANCE,
        `No live instance of ${bundleId} runs consumer ${consumerId} actively`,
        { bundleId, consumerId, reportedBy: row.instances.map((i) => i.instanceId) },
      );
    }
    const instanceId = row.active_instance_id;
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
  private async find(bundleId: string, consumerId: string): Promise<ConsumerRow> {
    const [row] = await this.repository.list({ bundleId, consumerId, limit: 1, offset: 0 });
    if (!row) {
      throw new EventoError(ErrorCode.NOT_FOUND, `No live instance of ${bundleId} reports consumer ${consumerId}`, {
        bundleId,
        consumerId,
      });
    }
    return row;
  }

  private async total(bundleId: string | undefined): Promise<number> {
    const [first] = await this.repository.list({ bundleId, limit: 1, offset: 0 });
    return first?.total ?? 0;
  }
}

function toDto(row: ConsumerRow): ConsumerDto {
  return {
    bundleId: row.bundle_id,
    consumerId: row.consumer_id,
    componentName: row.component_name,
    componentType: row.component_type,
    version: row.version,
    context: row.context,
    activeInstanceId: row.active_instance_id,
    deadEvents: row.dead_events === null ? null : Number(row.dead_events),
    instances: row.instances.map((i) => ({ ...i, reportedAt: new Date(i.reportedAt).toISOString() })),
  };
}
