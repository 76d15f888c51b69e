export * from './evento.module';
