export * from './error-codes';
export * from './evento-error';
