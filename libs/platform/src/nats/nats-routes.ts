import { type AppName, parseRequestBody, type RequestContract } from '@evento/contracts';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { BaseConfig } from '../config';
import { compileContractValidator, type ContractValidator } from '../errors/contract-validator';
import { notAnObject, toErrorBody } from '../errors/to-error-body';
import { MetricsService } from '../metrics/metrics.service';
import { RejectedInputMetrics } from '../metrics/rejected-input.metrics';
import { queueGroupOf, replyEnvelope } from './evento-nats.server';
import { InFlight } from './in-flight';
import { NatsConnectionService } from './nats-connection.service';

/**
 * Serves chosen request subjects straight from a NATS subscription instead of through Nest's
 * RPC pipeline. Meant for the few subjects whose throughput is the product (the event
 * store's append): there, the pipeline's validation pipe, per-message loggers and RxJS cost
 * more CPU than the work itself, and replies leaving one by one cost a socket write each.
 *
 * It keeps the pipeline's promises: bodies parsed under the wire limits and validated by the
 * contract class (see compileContractValidator), typed error replies with unknown errors
 * logged under an id, the rejected-input metric, the app's queue group, and a shutdown that
 * stops intake first, then waits for the requests in flight.
 */
@Injectable()
export class NatsRoutes implements BeforeApplicationShutdown {
  private readonly logger = new Logger(NatsRoutes.name);
  private readonly subscriptions: Subscription[] = [];
  private readonly rejected: RejectedInputMetrics;
  private readonly inFlight = new InFlight();

  constructor(
    private readonly nats: NatsConnectionService,
    private readonly config: BaseConfig,
    metrics: MetricsService,
  ) {
    this.rejected = new RejectedInputMetrics(metrics, config.NATS_SUBJECT_PREFIX);
  }

  /**
   * Answers `contract`'s requests with `handle`, in `app`'s queue group. Resolves once NATS
   * has registered the subscription, so call it from an init hook: the app reports ready only
   * after that.
   */
  async serve<Req extends object, Res>(
    app: AppName,
    contract: RequestContract<Req, Res>,
    handle: (request: Req) => Promise<Res>,
  ): Promise<void> {
    const validate = compileContractValidator(contract.request);
    const connection = this.nats.connection;
    this.subscriptions.push(
      connection.subscribe(this.config.subject(contract.subject), {
        queue: queueGroupOf(app),
        callback: (error, msg) => {
          if (!error && msg.reply) void this.answer(msg, validate, handle);
        },
      }),
    );
    await connection.flush();
  }

  async beforeApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + this.config.drainTimeoutMs;
    // Stop intake first so the queue group hands new requests to other replicas. Draining
    // (not unsubscribing) still answers what NATS delivered before it saw the unsubscribe,
    // instead of leaving those callers to time out.
    const draining = Promise.allSettled(this.subscriptions.splice(0).map((subscription) => subscription.drain()));
    await Promise.race([draining, new Promise((resolve) => setTimeout(resolve, this.config.drainTimeoutMs).unref())]);
    await this.inFlight.idle(deadline - Date.now());
  }

  private async answer<Req extends object, Res>(
    msg: Msg,
    validate: ContractValidator<Req>,
    handle: (request: Req) => Promise<Res>,
  ): Promise<void> {
    const done = this.inFlight.start();
    let reply: string;
    try {
      const body = parseRequestBody(msg.data);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw notAnObject();
      reply = replyEnvelope.data(await handle(validate(body)));
    } catch (error) {
      const body = toErrorBody(error, this.logger);
      this.rejected.natsErrorReply(msg.subject, body.code);
      reply = replyEnvelope.error(body);
    }
    // Replies finishing in the same tick (one group commit) leave in one socket write.
    try {
      msg.respond(reply);
    } catch (error) {
      this.logger.warn(`Could not reply on ${msg.subject}: ${String(error)}`);
    }
    done();
  }
}
