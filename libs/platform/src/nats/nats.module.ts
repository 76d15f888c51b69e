import { Global, Module } from '@nestjs/common';
import { EventoClient } from './contract-client';
import { NatsConnectionService } from './nats-connection.service';

@Global()
@Module({
  providers: [NatsConnectionService, EventoClient],
  exports: [NatsConnectionService, EventoClient],
})
export class NatsModule {}
