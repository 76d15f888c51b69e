export * from './bundle-tokens';
export * from './bundle-auth.config';
export * from './operator-roles';
export * from './operator-tokens';
export * from './oidc-verifier';
export * from './operator-authenticator';
