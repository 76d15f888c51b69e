export * from './nats-connection.service';
export * from './contract-client';
export * from './evento-nats.server';
export * from './nats.module';
export * from './nats-metrics';
export * from './nats-routes';
