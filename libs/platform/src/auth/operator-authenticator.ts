import type { BaseConfig } from '../config/base.config';
import { OidcVerifier, parseRoleMap, type TokenCheck } from './oidc-verifier';
import { StaticOperatorTokens } from './operator-tokens';

/** Longest bearer token looked at; identity providers' JWTs with many roles stay well below. */
export const MAX_BEARER_TOKEN_LENGTH = 8_192;

/**
 * Who an operator's bearer token belongs to: a static token (OPERATOR_TOKENS, OPERATOR_TOKEN),
 * else, when OIDC is configured, a JWT the identity provider signed. With neither configured
 * (never in production: the config refuses it) the HTTP API is open.
 */
export class OperatorAuthenticator {
  private readonly tokens: StaticOperatorTokens;
  private readonly oidc?: OidcVerifier;

  constructor(config: BaseConfig) {
    this.tokens = new StaticOperatorTokens(config.OPERATOR_TOKENS, config.OPERATOR_TOKEN);
    if (config.OIDC_ISSUER && config.OIDC_AUDIENCE) {
      this.oidc = new OidcVerifier({
        issuer: config.OIDC_ISSUER,
        audience: config.OIDC_AUDIENCE,
        jwksUrl: config.OIDC_JWKS_URL,
        rolesClaim: config.OIDC_ROLES_CLAIM,
        roleMap: config.OIDC_ROLE_MAP ? parseRoleMap(config.OIDC_ROLE_MAP) : undefined,
        requireHttps: config.NODE_ENV === 'production',
      });
    }
  }

  /** No credential is configured: every request is let through (outside production only). */
  get open(): boolean {
    return this.tokens.size === 0 && !this.oidc;
  }

  /** What is configured, for the boot log: counts and the issuer, never a token. */
  describe(): string {
    const parts = [`${this.tokens.size} static token(s)`];
    if (this.oidc) parts.push('OIDC');
    return parts.join(' and ');
  }

  async authenticate(token: string): Promise<TokenCheck> {
    if (token.length > MAX_BEARER_TOKEN_LENGTH) return { outcome: 'rejected', reason: 'token too long' };
    const principal = this.tokens.match(token);
    if (principal) return { outcome: 'accepted', principal };
    if (this.oidc) return this.oidc.verify(token);
    return { outcome: 'rejected', reason: 'unknown token' };
  }
}
