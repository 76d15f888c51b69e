import {
  type ClassOf,
  compileValidator,
  type ConfigurationMessage,
  type ControlRequest,
  ErrorCode,
  EventoError,
  type FieldProblem,
  Headers,
  instanceSubjects,
  isErrorBody,
  parseRequestBody,
} from '@evento/contracts';
import { BaseConfig, NatsConnectionService } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';

/** An instance's error message is relayed, but never a huge one. */
const MAX_RELAYED_MESSAGE = 2_000;
/** Details beyond this (as JSON) are dropped rather than relayed. */
const MAX_RELAYED_DETAILS_BYTES = 16 * 1024;

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
      const name = error instanceof Error ? error.name : '';
      const text = error instanceof Error ? error.message : String(error);
      if (name === 'NoRespondersError' || /no responders/i.test(text)) {
        throw new EventoError(
          ErrorCode.NO_AVAILABLE_INSTANCE,
          `Instance ${where} does not listen on its control subject`,
          { instanceId: target.instanceId },
        );
      }
      if (name === 'TimeoutError' || /timeout/i.test(text)) {
        throw new EventoError(
          ErrorCode.DEADLINE_EXCEEDED,
          `Instance ${where} did not answer ${message.type} within ${timeoutMs} ms`,
          { instanceId: target.instanceId },
        );
      }
      throw new EventoError(ErrorCode.UNAVAILABLE, `Could not reach instance ${where}: ${text}`);
    }
    return this.readReply(bytes, replyClass, target);
  }

  /** Fire-and-forget: the instance gets it if it listens now (configuration changes). */
  publish(target: ControlTarget, message: ConfigurationMessage): void {
    this.nats.connection.publish(this.subject(target), JSON.stringify(message));
  }

  private readReply<T extends object>(bytes: Uint8Array, replyClass: ClassOf<T>, target: ControlTarget): T {
    const invalid = (problem: string, problems?: unknown) =>
      new EventoError(
        ErrorCode.HANDLER_FAILED,
        `Instance ${target.bundleId}/${target.instanceId} sent an invalid reply: ${problem}`,
        {
          instanceId: target.instanceId,
          reason: 'invalid-reply',
          ...(problems === undefined ? {} : { problems }),
        },
      );
    let envelope: unknown;
    try {
      envelope = parseRequestBody(bytes);
    } catch (error) {
      throw invalid(error instanceof Error ? error.message : 'unreadable');
    }
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
      throw invalid('not a reply envelope');
    }
    const reply = envelope as Record<string, unknown>;
    if ('error' in reply) {
      if (!isErrorBody(reply.error)) throw invalid('an error without a known code and a message');
      const details = boundedDetails(reply.error.details);
      throw new EventoError(reply.error.code, reply.error.message.slice(0, MAX_RELAYED_MESSAGE), {
        instanceId: target.instanceId,
        ...(details === undefined ? {} : { details }),
      });
    }
    if (!('data' in reply) || typeof reply.data !== 'object' || reply.data === null || Array.isArray(reply.data)) {
      throw invalid('neither {data: object} nor {error}');
    }
    try {
      return compileValidator(replyClass)(reply.data);
    } catch (error) {
      if (!(error instanceof EventoError) || !Array.isArray(error.details)) throw error;
      const problems = (error.details as FieldProblem[]).slice(0, 20);
      throw invalid(
        problems
          .map((problem) => problem.property)
          .slice(0, 5)
          .join(', ') || 'invalid fields',
        problems,
      );
    }
  }
}

function boundedDetails(details: unknown): unknown {
  if (details === undefined) return undefined;
  return JSON.stringify(details).length <= MAX_RELAYED_DETAILS_BYTES ? details : undefined;
}
