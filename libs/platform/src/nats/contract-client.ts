import { Injectable } from '@nestjs/common';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { type EventContract, Headers, natsFailure, readReply, type RequestContract } from '@evento/contracts';
import { randomUUID } from 'node:crypto';
import { BaseConfig, withSubjectPrefix } from '../config';
import { NatsConnectionService } from './nats-connection.service';

export interface RequestOptions {
  /** Milliseconds to wait for the reply (default 5000). Also sent as the absolute deadline. */
  timeoutMs?: number;
  /** Absolute deadline (ms since the epoch) to pass on unchanged; wins over `timeoutMs`. */
  deadline?: number;
  requestId?: string;
  correlationId?: string;
}

/**
 * Sends requests and events through a contract, so the subject and the body types come
 * from one definition: a wrong subject or body does not compile. Error replies are thrown
 * as EventoError with the server's code.
 */
export class ContractClient {
  /** `subjectPrefix`: the suite's NATS_SUBJECT_PREFIX, when it runs under one. */
  constructor(
    private readonly nc: () => NatsConnection,
    private readonly subjectPrefix?: string,
  ) {}

  async request<Req extends object, Res>(
    contract: RequestContract<Req, Res>,
    body: Req,
    options: RequestOptions = {},
  ): Promise<Res> {
    const now = Date.now();
    const deadline = options.deadline ?? now + (options.timeoutMs ?? 5_000);
    const timeout = Math.max(1, deadline - now);
    const h = natsHeaders();
    h.set(Headers.requestId, options.requestId ?? randomUUID());
    h.set(Headers.correlationId, options.correlationId ?? randomUUID());
    h.set(Headers.deadline, String(deadline));
    let reply: Uint8Array;
    try {
      const subject = withSubjectPrefix(this.subjectPrefix, contract.subject);
      reply = (await this.nc().request(subject, JSON.stringify(body), { timeout, headers: h })).data;
    } catch (error) {
      throw natsFailure(error, contract.subject, timeout);
    }
    return readReply<Res>(reply, { from: contract.subject });
  }

  /**
   * Fire-and-forget: true when handed to the connection. A closed or draining connection (the
   * app is stopping) loses the message instead of throwing at a caller that cannot act on it.
   */
  publish<Body extends object>(contract: EventContract<Body>, body: Body): boolean {
    try {
      this.nc().publish(withSubjectPrefix(this.subjectPrefix, contract.subject), JSON.stringify(body));
      return true;
    } catch {
      return false;
    }
  }
}

/** The contract client bound to the app's NATS connection. */
@Injectable()
export class EventoClient extends ContractClient {
  constructor(natsConnection: NatsConnectionService, config: BaseConfig) {
    super(() => natsConnection.connection, config.NATS_SUBJECT_PREFIX);
  }
}
