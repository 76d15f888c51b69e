import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BaseConfig } from '../config';
import { NatsMetrics } from './nats-metrics';

export function natsConnectionOptions(config: BaseConfig, name: string) {
  return {
    servers: config.natsServers,
    name,
    user: config.NATS_USER,
    pass: config.NATS_PASSWORD,
    token: config.NATS_TOKEN,
    // An app outlives NATS restarts: it keeps reconnecting and reports not-ready meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
  };
}

/** The app's own NATS connection for outgoing requests, publications and health checks. */
@Injectable()
export class NatsConnectionService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NatsConnectionService.name);
  private nc?: NatsConnection;

  constructor(
    private readonly config: BaseConfig,
    private readonly metrics: NatsMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.nc) return;
    this.nc = await connect(natsConnectionOptions(this.config, `${this.config.INSTANCE_ID}:client`));
    this.metrics.track('client', this.nc);
    void this.watchStatus(this.nc);
  }

  get connection(): NatsConnection {
    if (!this.nc) throw new Error('NATS connection used before the module was initialised');
    return this.nc;
  }

  /** Round trip to the server; fails when disconnected (the caller bounds the wait). */
  async rtt(): Promise<number> {
    const nc = this.connection;
    if (nc.isClosed()) throw new Error('NATS connection is closed');
    return nc.rtt();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.nc && !this.nc.isClosed()) {
      await this.nc.drain().catch((error: unknown) => this.logger.warn(`NATS drain failed: ${String(error)}`));
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.logger.warn('NATS disconnected; reconnecting');
      if (status.type === 'reconnect') this.logger.log('NATS reconnected');
    }
  }
}
