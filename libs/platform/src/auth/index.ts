export * from './bundle-tokens';
export * from './bundle-auth.config';
