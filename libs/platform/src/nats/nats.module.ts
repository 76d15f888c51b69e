import { Global, Module } from '@nestjs/common';
import { EventoClient } from './contract-client';
import { NatsConnectionService } from './nats-connection.service';
import { NatsMetrics } from './nats-metrics';

@Global()
@Module({
  providers: [NatsConnectionService, EventoClient, NatsMetrics],
  exports: [NatsConnectionService, EventoClient, NatsMetrics],
})
export class NatsModule {}
