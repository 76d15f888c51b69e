import {
  type CommandResult,
  ErrorCode,
  EventoError,
  GatewayContracts,
  type PublishResult,
  type RequestSource,
} from '@evento/contracts';
import {
  DomainCommand,
  type Query,
  type QueryResultOf,
  ServiceCommand,
  type ServiceEvent,
  payloadNameOf,
  toPlain,
} from './payloads';
import { currentScope } from './runtime/scope';
import type { Transport } from './runtime/transport';

export interface GatewayOptions {
  /** Relative timeout. Inside a handler, never more than what is left of the handler's deadline. */
  timeoutMs?: number;
  /** Copied into the stored event's metadata. */
  metadata?: Record<string, unknown>;
  /** Retries with the same request id are answered from the gateway's dedup cache. */
  requestId?: string;
  correlationId?: string;
}

export interface CommandOptions extends GatewayOptions {
  /**
   * Overrides the command's own aggregate id. For a domain command whose aggregate id property
   * the descriptor declares, the server takes the id from the payload and refuses a different one.
   */
  aggregateId?: string;
  /** Overrides a service command's own lock id. */
  lockId?: string;
  /**
   * Domain commands: run only if the aggregate is at this version (0: it must not exist yet);
   * otherwise the server answers CONFLICT (`details.actualVersion`) and does not retry.
   */
  expectedVersion?: number;
}

/** Where the gateways get their connection and identity; the bundle provides it once started. */
export interface GatewayLink {
  transport(): Transport;
  source(): Pick<RequestSource, 'bundleId' | 'instanceId'>;
}

abstract class GatewayBase {
  constructor(protected readonly link: GatewayLink) {}

  /** The deadline and correlation of the handler running now (if any) win over fresh ones. */
  protected sendOptions(options: GatewayOptions) {
    const scope = currentScope();
    return {
      timeoutMs: options.timeoutMs,
      deadline: scope?.deadline,
      requestId: options.requestId,
      correlationId: options.correlationId ?? scope?.correlationId,
    };
  }

  protected source(): RequestSource {
    const scope = currentScope();
    return {
      ...this.link.source(),
      ...(scope ? { component: scope.component, handler: scope.handler } : {}),
    };
  }

  protected count(payload: string): void {
    const invoked = currentScope()?.invoked;
    if (invoked) invoked.set(payload, (invoked.get(payload) ?? 0) + 1);
  }
}

/** Sends commands through the server's gateway; errors come back as EventoError with the server's code. */
export class CommandGateway extends GatewayBase {
  async send(command: DomainCommand | ServiceCommand, options: CommandOptions = {}): Promise<CommandResult> {
    const type = command.constructor as typeof DomainCommand;
    const name = payloadNameOf(type);
    let aggregateId = options.aggregateId;
    let lockId = options.lockId;
    if (command instanceof DomainCommand) {
      aggregateId ??= command.getAggregateId();
      if (!aggregateId) throw new EventoError(ErrorCode.VALIDATION_FAILED, `${name} has no aggregate id`);
    } else if (command instanceof ServiceCommand) {
      aggregateId ??= command.getAggregateId();
      lockId ??= command.getLockId();
    } else {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, `${name} is not a DomainCommand or ServiceCommand`);
    }
    this.count(name);
    return this.link.transport().request(
      GatewayContracts.command,
      {
        command: name,
        payload: toPlain(command),
        ...(aggregateId ? { aggregateId } : {}),
        ...(lockId ? { lockId } : {}),
        ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        source: this.source(),
      },
      this.sendOptions(options),
    );
  }

  /** Stores an event without a command (a topic publication). */
  async publish(
    event: ServiceEvent,
    options: GatewayOptions & { context?: string; eventId?: string } = {},
  ): Promise<PublishResult> {
    return this.link.transport().request(
      GatewayContracts.publish,
      {
        eventName: payloadNameOf(event.constructor as typeof DomainCommand),
        payload: toPlain(event),
        ...(options.context ? { context: options.context } : {}),
        ...(options.eventId ? { eventId: options.eventId } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        source: this.source(),
      },
      this.sendOptions(options),
    );
  }
}

/** Sends queries through the server's gateway; the answer is typed by the query class. */
export class QueryGateway extends GatewayBase {
  async query<Q extends Query>(query: Q, options: GatewayOptions = {}): Promise<QueryResultOf<Q>> {
    const name = payloadNameOf(query.constructor as typeof DomainCommand);
    this.count(name);
    const reply = await this.link.transport().request(
      GatewayContracts.query,
      {
        query: name,
        payload: toPlain(query),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        source: this.source(),
      },
      this.sendOptions(options),
    );
    return reply.result as QueryResultOf<Q>;
  }
}
