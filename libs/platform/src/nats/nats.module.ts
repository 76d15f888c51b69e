import { Global, Module } from '@nestjs/common';
import { EventoClient } from './contract-client';
import { NatsConnectionService } from './nats-connection.service';
import { NatsMetrics } from './nats-metrics';
import { NatsRoutes } from './nats-routes';

@Global()
@Module({
  providers: [NatsConnectionService, EventoClient, NatsMetrics, NatsRoutes],
  exports: [NatsConnectionService, EventoClient, NatsMetrics, NatsRoutes],
})
export class NatsModule {}
