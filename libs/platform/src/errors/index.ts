export * from './to-error-body';
export * from './http-error.filter';
export * from './validation.pipes';
