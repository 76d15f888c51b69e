import { type CommandResult, ErrorCode, EventoError } from '@evento/contracts';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayConfig } from '../config/gateway.config';
import type { RequestContext } from '../requests/request-context';
import { requestIdReused } from './request-fingerprint';
import { ServiceRequestsRepository } from './service-requests.repository';

/** First and longest pause between two looks at a record another gateway is running. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 200;
/** Expired records deleted per sweep statement. */
const SWEEP_BATCH = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Service commands with a caller's request id run once across all gateways. Before running, a
 * gateway claims the id's record in its schema; a retry reaching another gateway finds it and
 * waits for the answer (within its own deadline), replays a done one, or is refused when the id
 * came with another request. A running record's lease is renewed while the command runs, so a
 * gateway that dies mid-command blocks retries for one lease at most.
 */
@Injectable()
export class ServiceRequestDedup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ServiceRequestDedup.name);
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly records: ServiceRequestsRepository,
    private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Sweep about as often as records expire, within bounds: cheap (an index range) and idempotent.
    const every = Math.min(60_000, Math.max(1_000, Math.min(this.config.GATEWAY_DEDUP_TTL_MS, this.leaseMs)));
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private get leaseMs(): number {
    return this.config.GATEWAY_DEDUP_LEASE_MS;
  }

  /** Runs `work` unless the request id already ran (or runs) on some gateway. */
  async run(context: RequestContext, fingerprint: string, work: () => Promise<CommandResult>): Promise<CommandResult> {
    const requestId = context.requestId;
    const owner = `${this.config.INSTANCE_ID}:${randomUUID()}`;
    let pause = FIRST_POLL_MS;
    for (;;) {
      const claiming = this.records.claim(requestId, fingerprint, owner, this.leaseMs).catch((error: unknown) => {
        throw unavailable(requestId, error);
      });
      let found;
      try {
        found = await context.bound(claiming, `while request ${requestId} was being recorded`);
      } catch (error) {
        // A claim that lands after the caller gave up would hold the id for a lease: give it back.
        void claiming
          .then(async (late) => {
            if (late.state === 'claimed') await this.forget(requestId, owner);
          })
          .catch(() => undefined);
        throw error;
      }
      if (found.state === 'claimed') break;
      if (found.fingerprint !== fingerprint) throw requestIdReused(requestId);
      if (found.state === 'done') return { ...found.result, replayed: true };
      // Running on another gateway: look again soon, or once its lease has run out.
      await sleep(Math.min(pause, context.remaining(), found.expiresInMs + 1));
      context.ensureTime(`while request ${requestId} was running on another gateway`);
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
    return this.runClaimed(context, owner, work);
  }

  private async runClaimed(
    context: RequestContext,
    owner: string,
    work: () => Promise<CommandResult>,
  ): Promise<CommandResult> {
    const requestId = context.requestId;
    const renewer = setInterval(() => {
      this.records
        .renew(requestId, owner, this.leaseMs)
        .then((still) => {
          if (!still) this.logger.warn(`Request ${requestId}: its record was taken over while it ran here`);
        })
        .catch((error: unknown) => this.logger.warn(`Request ${requestId}: lease not renewed: ${String(error)}`));
    }, this.leaseMs / 3);
    renewer.unref();
    let result: CommandResult;
    try {
      result = await work();
    } catch (error) {
      clearInterval(renewer);
      await this.forget(requestId, owner);
      throw error;
    }
    clearInterval(renewer);
    // The answer goes out whatever happens to the record; a record not written expires with its lease.
    const finishing = this.records
      .finish(requestId, owner, result, this.config.GATEWAY_DEDUP_TTL_MS)
      .catch((error: unknown) => this.logger.warn(`Request ${requestId}: answer not recorded: ${String(error)}`));
    if (context.remaining() > 0) await context.bound(finishing, 'while the answer was recorded').catch(() => undefined);
    return result;
  }

  private async forget(requestId: string, owner: string): Promise<void> {
    await this.records.release(requestId, owner).catch((error: unknown) => {
      this.logger.warn(`Request ${requestId}: record not released, it expires with its lease: ${String(error)}`);
    });
  }

  private async sweep(): Promise<void> {
    try {
      while ((await this.records.sweep(SWEEP_BATCH)) === SWEEP_BATCH) {
        // A backlog: keep going until a batch comes back short.
      }
    } catch (error) {
      this.logger.warn(`Expired service request records not swept: ${String(error)}`);
    }
  }
}

function unavailable(requestId: string, error: unknown): EventoError {
  return new EventoError(
    ErrorCode.UNAVAILABLE,
    `Could not record request ${requestId}: the database did not answer (${error instanceof Error ? error.message : String(error)})`,
  );
}
