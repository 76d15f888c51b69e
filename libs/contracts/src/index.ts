import 'reflect-metadata';
export * from './protocol';
export * from './errors';
export * from './contract';
export * from './wire';
export * from './system/ping';
export * from './event-store';
