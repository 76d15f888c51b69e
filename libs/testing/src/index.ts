export * from './database';
export * from './tcp-proxy';
export * from './wait';
export * from './nats';
export * from './prometheus-text';
export * from './ports';
