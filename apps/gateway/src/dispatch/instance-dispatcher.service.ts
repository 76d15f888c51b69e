import {
  type ClassOf,
  compileValidator,
  type ErrorBody,
  ErrorCode,
  EventoError,
  Headers,
  type InstanceWork,
  natsFailure,
  natsFailureReason,
  readReply,
  RelayedError,
  type RoutedInstance,
} from '@evento/contracts';
import { NatsConnectionService } from '@evento/platform';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { GatewayConfig } from '../config/gateway.config';
import { deadlineExceeded, type RequestContext } from '../requests/request-context';
import { type Destination, RoutingTableService } from '../routing/routing-table.service';
import { InstanceLost, InstanceUnreachable } from './instance-errors';

/** Reasons after which an instance will never answer what it holds. */
const GONE_REASONS = new Set(['lease-expired', 'superseded', 'goodbye']);
/** Codes a bundle may answer with; anything else is reported as HANDLER_FAILED. */
const RELAYED_CODES = new Set<string>([
  ErrorCode.HANDLER_FAILED,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.NO_HANDLER,
  ErrorCode.FORBIDDEN,
  ErrorCode.UNAUTHORIZED,
  ErrorCode.DEADLINE_EXCEEDED,
]);
const MAX_STACK = 16_000;
const MAX_FIELD_ERRORS = 100;
const MAX_DETAILS_BYTES = 16_000;

interface Pending {
  instanceId: string;
  reject: (error: Error) => void;
}

/**
 * Sends work to one bundle instance on its own subject, with the caller's ids and deadline,
 * and turns what comes back (or does not) into an outcome or a typed error.
 */
@Injectable()
export class InstanceDispatcher implements OnModuleInit {
  private readonly pending = new Set<Pending>();
  private readonly outstanding = new Map<string, number>();

  constructor(
    private readonly nats: NatsConnectionService,
    private readonly routing: RoutingTableService,
    private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    // Every gateway fails its own requests held by a vanished instance.
    this.routing.onNotice((notice) => {
      if (notice.instanceId && GONE_REASONS.has(notice.reason)) this.lost(notice.instanceId, notice.reason);
    });
  }

  /**
   * Sends work to an instance of the destination chosen by `pick`. An instance that does not
   * listen never got the work, so it goes to the next one; one that vanished while holding it
   * is skipped too when `resendWhenLost` (nothing was stored: domain commands, queries),
   * otherwise the caller learns the outcome is unknown (INSTANCE_LOST).
   */
  async dispatch<T extends object>(
    destination: Destination,
    work: InstanceWork,
    context: RequestContext,
    outcome: ClassOf<T>,
    options: { pick: (instances: RoutedInstance[]) => RoutedInstance; resendWhenLost: boolean },
  ): Promise<{ outcome: T; instance: RoutedInstance }> {
    let current = destination;
    for (;;) {
      const instance = options.pick(current.instances);
      try {
        return { outcome: await this.send(current.route.bundleId, instance, work, context, outcome), instance };
      } catch (error) {
        if (error instanceof InstanceLost && !options.resendWhenLost) throw error.toEventoError(payloadOf(work));
        if (!(error instanceof InstanceLost) && !(error instanceof InstanceUnreachable)) throw error;
        this.routing.markUnreachable(instance.instanceId);
        context.ensureTime(`after instance ${instance.instanceId} of ${current.route.bundleId} failed to answer`);
        current = await this.routing.resolve(current.route.payload, [current.route.kind], context);
      }
    }
  }

  /** Requests this gateway has in flight on the instance (for least-outstanding balancing). */
  outstandingOn(instanceId: string): number {
    return this.outstanding.get(instanceId) ?? 0;
  }

  private async send<T extends object>(
    bundleId: string,
    instance: RoutedInstance,
    work: InstanceWork,
    context: RequestContext,
    outcome: ClassOf<T>,
  ): Promise<T> {
    const timeout = context.remaining();
    if (timeout <= 0) throw deadlineExceeded(`before ${work.type} ${payloadOf(work)} reached a bundle`);
    const h = natsHeaders();
    h.set(Headers.requestId, context.requestId);
    h.set(Headers.correlationId, context.correlationId);
    h.set(Headers.deadline, String(context.deadline));
    const subject = this.config.subject(instance.requestsSubject);
    const from = `Bundle ${bundleId} instance ${instance.instanceId}`;

    let pending: Pending | undefined;
    const lost = new Promise<never>((_resolve, reject) => {
      pending = { instanceId: instance.instanceId, reject };
      this.pending.add(pending);
    });
    this.outstanding.set(instance.instanceId, this.outstandingOn(instance.instanceId) + 1);
    try {
      const request = this.nats.connection.request(subject, JSON.stringify(work), { timeout, headers: h });
      let reply;
      try {
        reply = await Promise.race([request, lost]);
      } catch (error) {
        if (error instanceof InstanceLost) throw error;
        throw translate(error, instance.instanceId, `${work.type} ${payloadOf(work)} on ${from}`, timeout);
      }
      return this.readReply(reply.data, outcome, from);
    } finally {
      this.pending.delete(pending!);
      const left = this.outstandingOn(instance.instanceId) - 1;
      if (left > 0) this.outstanding.set(instance.instanceId, left);
      else this.outstanding.delete(instance.instanceId);
    }
  }

  /** A bundle's reply is hostile input: read by the one reply reader, its errors relayed by the gateway's rules. */
  private readReply<T extends object>(data: Uint8Array, outcome: ClassOf<T>, from: string): T {
    try {
      return readReply(data, { from, untrusted: true, validate: compileValidator(outcome) });
    } catch (error) {
      throw error instanceof RelayedError ? this.relayedError(error.toBody(), from) : error;
    }
  }

  /** A bundle's error, relayed with its code, name and message; the stack only where allowed. */
  private relayedError(error: ErrorBody, from: string): EventoError {
    const code = RELAYED_CODES.has(error.code) ? error.code : ErrorCode.HANDLER_FAILED;
    const message = error.message || `${from} failed`;
    // A bundle's validation errors list the fields, as the server's own do: the caller needs them.
    if (code === ErrorCode.VALIDATION_FAILED && Array.isArray(error.details)) {
      const fields = error.details.slice(0, MAX_FIELD_ERRORS);
      if (JSON.stringify(fields).length <= MAX_DETAILS_BYTES) return new EventoError(code, message, fields);
    }
    const given = (typeof error.details === 'object' && error.details !== null ? error.details : {}) as Record<
      string,
      unknown
    >;
    const details: Record<string, unknown> = {
      errorName: typeof given.errorName === 'string' ? given.errorName.slice(0, 200) : 'Error',
    };
    if (this.config.exposeStacks && typeof given.stack === 'string') details.stack = given.stack.slice(0, MAX_STACK);
    return new EventoError(code, message, details);
  }

  private lost(instanceId: string, reason: string): void {
    for (const pending of this.pending) {
      if (pending.instanceId === instanceId) pending.reject(new InstanceLost(instanceId, reason));
    }
  }
}

function payloadOf(work: InstanceWork): string {
  return work.type === 'query' ? work.query : work.command;
}

/** An instance that nobody listens for never got the work: the caller may send it elsewhere. */
function translate(error: unknown, instanceId: string, what: string, timeoutMs: number): Error {
  const reason = natsFailureReason(error);
  if (reason === 'no-responders') return new InstanceUnreachable(instanceId);
  if (reason === 'timeout') return deadlineExceeded(`while ${what} was running`);
  return natsFailure(error, what, timeoutMs);
}
