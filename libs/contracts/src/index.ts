import 'reflect-metadata';
export * from './protocol';
export * from './errors';
export * from './contract';
export * from './wire';
export * from './system/ping.contract';
export * from './event-store';
export * from './registry';
