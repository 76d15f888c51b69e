export * from './nats-connection.service';
export * from './contract-client';
export * from './in-flight';
export * from './nats.module';
export * from './nats-metrics';
