import {
  ErrorCode,
  type EventContract,
  EventoError,
  Headers,
  natsFailure,
  readReply,
  RelayedError,
  type RequestContract,
} from '@evento/contracts';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { errorFromBody } from '../errors';

const GATEWAY_SUBJECTS = 'evento.v1.gateway.';

export interface SendOptions {
  /** Relative timeout; capped by `deadline` when both are given. */
  timeoutMs?: number;
  /** Absolute deadline, ms since the epoch. */
  deadline?: number;
  requestId?: string;
  correlationId?: string;
}

/** Requests and publications over one NATS connection, under the suite's subject prefix. */
export class Transport {
  constructor(
    private readonly connection: () => NatsConnection,
    readonly prefix: string | undefined,
    private readonly defaultTimeoutMs: number,
    private readonly identity?: { bundleId: string; token?: string },
  ) {}

  get nc(): NatsConnection {
    return this.connection();
  }

  subject(subject: string): string {
    return this.prefix ? `${this.prefix}.${subject}` : subject;
  }

  async request<Req extends object, Res>(
    contract: RequestContract<Req, Res>,
    body: Req,
    options: SendOptions = {},
  ): Promise<Res> {
    const now = Date.now();
    const deadline = options.deadline ?? now + (options.timeoutMs ?? this.defaultTimeoutMs);
    const timeout = Math.min(deadline - now, options.timeoutMs ?? Number.POSITIVE_INFINITY);
    if (timeout <= 0) throw new EventoError(ErrorCode.DEADLINE_EXCEEDED, `Deadline passed before ${contract.subject}`);
    const h = natsHeaders();
    h.set(Headers.requestId, options.requestId ?? randomUUID());
    h.set(Headers.correlationId, options.correlationId ?? randomUUID());
    h.set(Headers.deadline, String(now + timeout));
    if (this.identity) {
      h.set(Headers.bundleId, this.identity.bundleId);
      // The token only goes where it is checked: the gateway authenticates bundles' requests.
      if (this.identity.token && contract.subject.startsWith(GATEWAY_SUBJECTS)) {
        h.set(Headers.token, this.identity.token);
      }
    }
    let reply: Uint8Array;
    try {
      reply = (await this.nc.request(this.subject(contract.subject), JSON.stringify(body), { timeout, headers: h }))
        .data;
    } catch (error) {
      throw natsFailure(error, contract.subject, timeout);
    }
    try {
      return readReply<Res>(reply, { from: contract.subject });
    } catch (error) {
      throw error instanceof RelayedError ? errorFromBody(error.toBody()) : error;
    }
  }

  publish<Body extends object>(contract: EventContract<Body>, body: Body): void {
    try {
      this.nc.publish(this.subject(contract.subject), JSON.stringify(body));
    } catch {
      // Fire-and-forget: a closed or reconnecting connection loses this sample, nothing else.
    }
  }
}
