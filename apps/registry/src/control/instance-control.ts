import {
  type ClassOf,
  compileValidator,
  type ConfigurationMessage,
  type ControlRequest,
  ErrorCode,
  EventoError,
  Headers,
  instanceSubjects,
  natsFailure,
  natsFailureReason,
  readReply,
  RelayedError,
} from '@evento/contracts';
import { BaseConfig, NatsConnectionService } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';

export interface ControlTarget {
  bundleId: string;
  instanceId: string;
}

/**
 * Talks to one instance on its control subject. Every reply is hostile input: it is parsed
 * under the protocol's JSON limits and validated against `replyClass` before anyone sees it.
 */
@Injectable()
export class InstanceControl {
  constructor(
    private readonly nats: NatsConnectionService,
    private readonly config: BaseConfig,
  ) {}

  /** The control subject as this suite uses it on NATS (with NATS_SUBJECT_PREFIX). */
  subject(target: ControlTarget): string {
    return this.config.subject(instanceSubjects(target.bundleId, target.instanceId).control);
  }

  /**
   * Sends a control request and returns the instance's validated reply. NO_AVAILABLE_INSTANCE
   * when nothing listens on the subject, DEADLINE_EXCEEDED without an answer in `timeoutMs`,
   * the instance's own error (with its code) when it answers with one, HANDLER_FAILED when the
   * reply breaks the protocol.
   */
  async request<T extends object>(
    target: ControlTarget,
    message: ControlRequest,
    replyClass: ClassOf<T>,
    timeoutMs: number,
  ): Promise<T> {
    const h = natsHeaders();
    h.set(Headers.requestId, randomUUID());
    h.set(Headers.correlationId, randomUUID());
    h.set(Headers.deadline, String(Date.now() + timeoutMs));
    const where = `${target.bundleId}/${target.instanceId}`;
    let bytes: Uint8Array;
    try {
      const reply = await this.nats.connection.request(this.subject(target), JSON.stringify(message), {
        timeout: timeoutMs,
        headers: h,
      });
      bytes = reply.data;
    } catch (error) {
      const failure = natsFailure(error, `${message.type} to instance ${where}`, timeoutMs);
      if (natsFailureReason(error) === 'no-responders') {
        throw new EventoError(
          ErrorCode.NO_AVAILABLE_INSTANCE,
          `Instance ${where} does not listen on its control subject`,
          { instanceId: target.instanceId },
        );
      }
      throw new EventoError(failure.code, failure.message, { instanceId: target.instanceId, ...failure.details! });
    }
    return this.readReply(bytes, replyClass, target);
  }

  /** Fire-and-forget: the instance gets it if it listens now (configuration changes). */
  publish(target: ControlTarget, message: ConfigurationMessage): void {
    this.nats.connection.publish(this.subject(target), JSON.stringify(message));
  }

  /**
   * An instance's reply is hostile input (the one reply reader); what it answers is relayed with
   * the instance named, and a broken reply is HANDLER_FAILED with `reason: "invalid-reply"`.
   */
  private readReply<T extends object>(bytes: Uint8Array, replyClass: ClassOf<T>, target: ControlTarget): T {
    const from = `Instance ${target.bundleId}/${target.instanceId}`;
    try {
      return readReply(bytes, { from, untrusted: true, validate: compileValidator(replyClass) });
    } catch (error) {
      if (!(error instanceof EventoError)) throw error;
      if (error instanceof RelayedError) {
        throw new EventoError(error.code, error.message, {
          instanceId: target.instanceId,
          ...(error.details === undefined ? {} : { details: error.details }),
        });
      }
      const { problems } = (error.details ?? {}) as { problems?: string[] };
      throw new EventoError(ErrorCode.HANDLER_FAILED, error.message, {
        instanceId: target.instanceId,
        reason: 'invalid-reply',
        problems: problems ?? [],
      });
    }
  }
}
