export * from './app-name';
export * from './inbound-message';
export * from './nats-edge.service';
export * from './serve.decorator';
