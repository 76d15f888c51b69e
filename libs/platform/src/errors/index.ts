export * from './to-error-body';
export * from './rpc-error.filter';
export * from './http-error.filter';
export * from './validation.pipes';
export * from './contract-validator';
