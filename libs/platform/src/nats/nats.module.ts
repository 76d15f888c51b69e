import type { AppName } from '@evento/contracts';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_NAME } from '../edge/app-name';
import { NatsEdge } from '../edge/nats-edge.service';
import { EventoClient } from './contract-client';
import { NatsConnectionService } from './nats-connection.service';
import { NatsMetrics } from './nats-metrics';

/** The app's one NATS connection, the edge that serves its subjects, and the client that sends. */
@Global()
@Module({})
export class NatsModule {
  static forApp(app: AppName): DynamicModule {
    return {
      module: NatsModule,
      imports: [DiscoveryModule],
      providers: [{ provide: APP_NAME, useValue: app }, NatsConnectionService, EventoClient, NatsMetrics, NatsEdge],
      exports: [APP_NAME, NatsConnectionService, EventoClient, NatsMetrics, NatsEdge],
    };
  }
}
