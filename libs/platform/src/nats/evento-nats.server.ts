import { type AppName, ErrorCode, type ErrorBody, EventoError, isErrorBody, parseRequestBody } from '@evento/contracts';
import { withSubjectPrefix } from '../config/base.config';
import { InFlight } from './in-flight';
import type { NatsConnection, Msg, Subscription } from '@nats-io/transport-node';
import {
  type Deserializer,
  type IncomingRequest,
  type NatsContext,
  type Serializer,
  ServerNats,
} from '@nestjs/microservices';

/** Queue group of an app: replicas of one app share its subjects' messages. */
export function queueGroupOf(app: AppName): string {
  return `evento.${app}`;
}

/** The protocol's reply envelopes: `{ "data": … }` or `{ "error": { code, message, details? } }`. */
export const replyEnvelope = {
  data: (response: unknown): string => JSON.stringify({ data: response ?? null }),
  error: (error: ErrorBody): string => JSON.stringify({ error }),
};

/** Stands in for a body that could not be read, so the handler's pipe can answer with its error. */
export class UnreadableBody {
  constructor(readonly error: EventoError) {}
}

/**
 * Reads the protocol's plain JSON bodies (no Nest envelope), so bundles in any language can
 * use a plain NATS client. Every request with a reply subject gets an id and therefore a
 * reply, even when its body is not JSON: the error travels to the validation pipe.
 */
export class PlainJsonDeserializer implements Deserializer<Msg, IncomingRequest | { pattern: string; data: unknown }> {
  private counter = 0;

  deserialize(message: Msg, options?: Record<string, unknown>): IncomingRequest | { pattern: string; data: unknown } {
    const pattern = typeof options?.channel === 'string' ? options.channel : message.subject;
    let data: unknown;
    try {
      data = parseRequestBody(message.data);
    } catch (error) {
      data = new UnreadableBody(
        error instanceof EventoError ? error : new EventoError(ErrorCode.MALFORMED_MESSAGE, 'Unreadable body'),
      );
    }
    if (!message.reply) return { pattern, data };
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    return { pattern, data, id: String(this.counter) };
  }
}

/** Nest's "no handler for this pattern" marker, sent as a string error. */
const NO_MESSAGE_HANDLER_PREFIX = 'There is no matching message handler';

interface OutgoingPacket {
  response?: unknown;
  err?: unknown;
  status?: string;
  isDisposed?: boolean;
}

/** Writes replies as `{ "data": … }` or `{ "error": { code, message, details? } }`. */
export class ReplyEnvelopeSerializer implements Serializer<OutgoingPacket, { data: string; headers?: undefined }> {
  serialize(packet: OutgoingPacket): { data: string } {
    if (packet.err !== undefined && packet.err !== null) {
      return { data: replyEnvelope.error(toErrorBody(packet.err)) };
    }
    return { data: replyEnvelope.data(packet.response) };
  }
}

function toErrorBody(err: unknown): ErrorBody {
  if (isErrorBody(err)) return err;
  if (typeof err === 'string' && err.startsWith(NO_MESSAGE_HANDLER_PREFIX)) {
    return { code: ErrorCode.NO_HANDLER, message: 'No handler for this subject' };
  }
  return { code: ErrorCode.INTERNAL, message: 'Internal error' };
}

export interface EventoNatsServerOptions {
  servers: string[];
  name: string;
  queue: string;
  user?: string;
  pass?: string;
  token?: string;
  /** How long close() waits for in-flight messages after it stops taking new ones. */
  drainTimeoutMs: number;
  /** NATS_SUBJECT_PREFIX: handlers keep their plain patterns, NATS sees prefixed subjects. */
  subjectPrefix?: string;
}

/**
 * Nest's NATS transport with the protocol's wire format, a queue group per app (replicas
 * share the work), and a shutdown that stops intake first, then waits for in-flight work.
 */
export class EventoNatsServer extends ServerNats {
  private readonly ownSubscriptions: Subscription[] = [];
  private readonly inFlight = new InFlight();
  private readonly finishers = new WeakMap<Msg, () => void>();

  constructor(private readonly serverOptions: EventoNatsServerOptions) {
    super({
      servers: serverOptions.servers,
      name: serverOptions.name,
      queue: serverOptions.queue,
      user: serverOptions.user,
      pass: serverOptions.pass,
      token: serverOptions.token,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      serializer: new ReplyEnvelopeSerializer(),
      deserializer: new PlainJsonDeserializer(),
    });
  }

  /**
   * Reports the server listening only once NATS has registered every subscription: Nest's
   * start() reports it right after subscribing, when a request sent at once on another
   * connection can still reach the NATS server first and find no responders.
   */
  override start(callback: (err?: unknown, ...optionalParams: unknown[]) => void): void {
    const client = this.unwrap<NatsConnection>();
    this.bindEvents(client);
    client.flush().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  override bindEvents(client: NatsConnection): void {
    for (const channel of this.messageHandlers.keys()) {
      const handler = this.messageHandlers.get(channel);
      const queue = (handler?.extras?.queue as string | undefined) ?? this.serverOptions.queue;
      const callback = this.getMessageHandler(channel).bind(this) as (err: Error | null, msg: Msg) => void;
      const subject = withSubjectPrefix(this.serverOptions.subjectPrefix, channel);
      this.ownSubscriptions.push(client.subscribe(subject, { queue, callback }));
    }
  }

  override async handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    // Nest resolves handleMessage before the handler's observable has produced its reply, so
    // a request counts as in flight until its final reply packet is published.
    const finish = this.inFlight.start();
    if (natsMsg.reply) this.finishers.set(natsMsg, finish);
    try {
      return (await super.handleMessage(channel, natsMsg)) as unknown;
    } catch (error) {
      finish();
      throw error;
    } finally {
      if (!natsMsg.reply) finish();
    }
  }

  override getPublisher(natsMsg: Msg, id: string, ctx: NatsContext): (response: OutgoingPacket) => unknown {
    const publish = super.getPublisher(natsMsg, id, ctx) as (response: OutgoingPacket) => unknown;
    const finish = this.finishers.get(natsMsg);
    return (packet: OutgoingPacket) => {
      const result = publish(packet);
      if (packet.isDisposed || packet.err !== undefined) {
        this.finishers.delete(natsMsg);
        finish?.();
      }
      return result;
    };
  }

  override async close(): Promise<void> {
    // Stop intake first so the queue group hands new messages to other replicas.
    this.ownSubscriptions.splice(0).forEach((sub) => sub.unsubscribe());
    await this.inFlight.idle(this.serverOptions.drainTimeoutMs);
    // Replies are published on the next tick; flush them before the connection goes away.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await this.unwrap<NatsConnection>().flush();
    } catch {
      // Already disconnected: nothing left to flush.
    }
    await super.close();
  }
}
