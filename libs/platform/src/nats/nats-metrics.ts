import { Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/**
 * The label of a connection in the metrics. An app has one NATS connection (requests it sends,
 * publications, and the subjects its edge serves), reported as `client`.
 */
export type NatsConnectionRole = 'client';

/**
 * NATS client metrics per connection role: messages and bytes in and out (read from the
 * connection's own counters at scrape time), reconnects, slow-consumer notices, and whether
 * the connection is up.
 */
@Injectable()
export class NatsMetrics {
  private readonly connections = new Map<NatsConnectionRole, NatsConnection>();
  /** Cleared on a disconnect notice, set again on reconnect. */
  private readonly up = new Map<NatsConnectionRole, boolean>();
  private readonly reconnects: Counter<'connection'>;
  private readonly slowConsumers: Counter<'connection'>;

  constructor(metrics: MetricsService) {
    const connections = this.connections;
    const up = this.up;
    const fromStats = (name: string, help: string, field: 'inMsgs' | 'outMsgs' | 'inBytes' | 'outBytes') =>
      metrics.counter({
        name,
        help,
        labelNames: ['connection'],
        collect() {
          this.reset();
          for (const [connection, nc] of connections) this.inc({ connection }, nc.stats()[field]);
        },
      });
    fromStats('evento_nats_messages_in_total', 'Messages received on this NATS connection', 'inMsgs');
    fromStats('evento_nats_messages_out_total', 'Messages sent on this NATS connection', 'outMsgs');
    fromStats('evento_nats_bytes_in_total', 'Bytes received on this NATS connection', 'inBytes');
    fromStats('evento_nats_bytes_out_total', 'Bytes sent on this NATS connection', 'outBytes');
    metrics.gauge({
      name: 'evento_nats_connected',
      help: '1 while the NATS connection is open and not reconnecting',
      labelNames: ['connection'],
      collect() {
        for (const [connection, nc] of connections) {
          this.set({ connection }, !nc.isClosed() && up.get(connection) !== false ? 1 : 0);
        }
      },
    });
    this.reconnects = metrics.counter({
      name: 'evento_nats_reconnects_total',
      help: 'Times this NATS connection reconnected',
      labelNames: ['connection'],
    });
    this.slowConsumers = metrics.counter({
      name: 'evento_nats_slow_consumer_total',
      help: 'Slow-consumer notices: the NATS client dropped messages a subscription could not keep up with',
      labelNames: ['connection'],
    });
  }

  /** Starts reporting a connection under its role; follows its status until it closes. */
  track(connection: NatsConnectionRole, nc: NatsConnection): void {
    this.connections.set(connection, nc);
    this.reconnects.inc({ connection }, 0);
    this.slowConsumers.inc({ connection }, 0);
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.up.set(connection, false);
        if (status.type === 'reconnect') {
          this.up.set(connection, true);
          this.reconnects.inc({ connection });
        }
        if (status.type === 'slowConsumer') this.slowConsumers.inc({ connection });
      }
    })().catch(() => undefined);
  }
}
