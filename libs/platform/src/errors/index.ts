export * from './to-error-body';
export * from './http-error.filter';
export * from './validation.pipes';
export * from './contract-validator';
