import {
  type AppName,
  type ClassOf,
  compileValidator,
  ErrorCode,
  EventoError,
  Headers,
  parseRequestBody,
  type Validator,
} from '@evento/contracts';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { BaseConfig } from '../config';
import { notAnObject, toErrorBody } from '../errors/to-error-body';
import { correlationIdFrom } from '../logging/logging.module';
import { MetricsService } from '../metrics/metrics.service';
import { RejectedInputMetrics } from '../metrics/rejected-input.metrics';
import { InFlight } from '../nats/in-flight';
import { NatsConnectionService } from '../nats/nats-connection.service';
import { APP_NAME } from './app-name';
import { InboundMessage } from './inbound-message';
import { SERVE_METADATA, type ServeMetadata, type ServeOptions } from './serve.decorator';

/** Queue group of an app: replicas of one app share its subjects' messages. */
export function queueGroupOf(app: AppName): string {
  return `evento.${app}`;
}

/** The protocol's reply envelopes: `{ "data": … }` or `{ "error": { code, message, details? } }`. */
export const replyEnvelope = {
  data: (response: unknown): string => JSON.stringify({ data: response ?? null }),
  error: (error: ReturnType<typeof toErrorBody>): string => JSON.stringify({ error }),
};

interface Route {
  subject: string;
  kind: 'request' | 'event';
  where: string;
  fanOut: boolean;
  validate: Validator<object>;
  handle: (body: object, message: InboundMessage) => unknown;
}

/** The class bodies are validated as: the contract's, or a base class of it the handler asked for. */
function validatedType(contract: ServeMetadata['contract'], options: ServeOptions): ClassOf<object> {
  const own = contract.kind === 'request' ? contract.request : contract.body;
  const wanted = options.validateAs;
  if (!wanted || wanted === own) return own;
  if (!(own.prototype instanceof wanted)) {
    throw new Error(`${contract.subject}: validateAs ${wanted.name} is not a base class of ${own.name}`);
  }
  return wanted;
}

/**
 * The one way a NATS message reaches a handler in every app. Handlers declare the contract
 * they serve with @Serve; at start the edge subscribes each in the app's queue group (or on
 * every replica for fan-out notices), and for each message: refuses one whose caller's
 * deadline has passed, bounds and parses the body under the protocol's limits, validates it
 * against the contract class, runs the handler, and answers `{data}` or a typed `{error}`
 * (unknown errors leave as an id, their stack stays in the log). Fire-and-forget messages get
 * the same checks; what they break is counted, since nobody waits for an answer. On shutdown
 * it stops intake first, then waits for what it took.
 */
@Injectable()
export class NatsEdge implements BeforeApplicationShutdown {
  private readonly logger = new Logger(NatsEdge.name);
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new InFlight();
  private readonly rejected: RejectedInputMetrics;
  private readonly dropped: Counter<'subject' | 'code'>;
  private started = false;

  constructor(
    @Inject(APP_NAME) private readonly app: AppName,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly nats: NatsConnectionService,
    private readonly config: BaseConfig,
    private readonly pino: PinoLogger,
    metrics: MetricsService,
  ) {
    this.rejected = new RejectedInputMetrics(metrics, config.NATS_SUBJECT_PREFIX);
    this.dropped = metrics.counter({
      name: 'evento_nats_dropped_messages_total',
      help: 'Fire-and-forget NATS messages not taken (unreadable, invalid, expired or failed), by subject and error code',
      labelNames: ['subject', 'code'],
    });
  }

  /** Every @Serve handler of the app, found through Nest's discovery. */
  routes(): Route[] {
    const routes: Route[] = [];
    const seen = new Map<string, string>();
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const metadata = Reflect.getMetadata(SERVE_METADATA, method) as ServeMetadata | undefined;
        if (!metadata) continue;
        const { contract, options } = metadata;
        const where = `${wrapper.name}.${name}`;
        const other = seen.get(contract.subject);
        if (other) throw new Error(`${contract.subject} is served twice: by ${other} and by ${where}`);
        seen.set(contract.subject, where);
        routes.push({
          subject: contract.subject,
          kind: contract.kind,
          where,
          fanOut: options.fanOut === true,
          validate: compileValidator(validatedType(contract, options)),
          handle: (method as Route['handle']).bind(instance),
        });
      }
    }
    return routes;
  }

  /**
   * Subscribes every handler; resolves once NATS has registered the subscriptions, so an app
   * that reports ready can be sent requests at once.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const connection = this.nats.connection;
    const queue = queueGroupOf(this.app);
    for (const route of this.routes()) {
      this.subscriptions.push(
        connection.subscribe(this.config.subject(route.subject), {
          queue: route.fanOut ? undefined : queue,
          callback: (error, msg) => {
            if (error) return this.logger.error(`Subscription to ${route.subject} failed: ${error.message}`);
            void this.inContext(msg, () =>
              route.kind === 'request' ? this.answer(route, msg) : this.take(route, msg),
            );
          },
        }),
      );
      this.logger.debug(`${route.subject} → ${route.where}${route.fanOut ? ' (every replica)' : ''}`);
    }
    await connection.flush();
  }

  /**
   * Stops intake, so the queue groups hand new messages to other replicas, then waits (within
   * the drain timeout) for the messages taken. Draining, not unsubscribing, still serves what
   * NATS delivered before it saw the unsubscribe, instead of leaving those callers to time out.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + this.config.drainTimeoutMs;
    const draining = Promise.allSettled(this.subscriptions.splice(0).map((subscription) => subscription.drain()));
    await Promise.race([draining, new Promise((resolve) => setTimeout(resolve, this.config.drainTimeoutMs).unref())]);
    await this.inFlight.idle(deadline - Date.now());
  }

  /** Log lines written while a message is handled carry its correlation id, as HTTP ones do. */
  private inContext(msg: Msg, handle: () => Promise<void>): Promise<void> {
    const correlationId = msg.headers?.get(Headers.correlationId);
    if (!correlationId) return handle();
    return this.pino.runInContext(handle, { bindings: { correlationId: correlationIdFrom(correlationId) } });
  }

  private async answer(route: Route, msg: Msg): Promise<void> {
    if (!msg.reply) return this.drop(route, ErrorCode.MALFORMED_MESSAGE);
    const done = this.inFlight.start();
    let reply: string;
    try {
      const { body, message } = this.read(route, msg);
      reply = replyEnvelope.data(await route.handle(body, message));
    } catch (error) {
      const body = toErrorBody(error, this.logger);
      this.rejected.natsErrorReply(route.subject, body.code);
      reply = replyEnvelope.error(body);
    }
    // Replies finishing in the same tick (one group commit) leave in one socket write.
    try {
      msg.respond(reply);
    } catch (error) {
      this.logger.warn(`Could not reply on ${route.subject}: ${String(error)}`);
    }
    done();
  }

  private async take(route: Route, msg: Msg): Promise<void> {
    const done = this.inFlight.start();
    try {
      const { body, message } = this.read(route, msg);
      await route.handle(body, message);
    } catch (error) {
      this.drop(route, toErrorBody(error, this.logger).code);
    } finally {
      done();
    }
  }

  /** Deadline first (cheapest), then the body: bounded, parsed, validated. */
  private read(route: Route, msg: Msg): { body: object; message: InboundMessage } {
    const message = new InboundMessage(route.subject, msg);
    if (message.expired()) {
      throw new EventoError(
        ErrorCode.DEADLINE_EXCEEDED,
        `The caller's deadline passed before ${route.subject} was served`,
      );
    }
    const parsed = parseRequestBody(msg.data);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notAnObject();
    return { body: route.validate(parsed), message };
  }

  private drop(route: Route, code: string): void {
    this.dropped.inc({ subject: route.subject, code });
  }
}
