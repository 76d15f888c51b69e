import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, type RemoteJWKSet } from 'jose';
import { highestRole, isOperatorRole, type OperatorPrincipal, type OperatorRole } from './operator-roles';

/** How far the token's times (exp, nbf, iat) may be off this machine's clock, in seconds. */
export const OIDC_CLOCK_TOLERANCE_SECONDS = 30;
/** Asymmetric algorithms only: a JWKS of public keys can never verify an HMAC made with one of them. */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
/** Timeout of each call to the identity provider (discovery, JWKS). */
const FETCH_TIMEOUT_MS = 5_000;
/** After a failed discovery, requests are answered UNAVAILABLE this long before it is tried again. */
const DISCOVERY_RETRY_MS = 10_000;
/** Largest discovery document read. */
const DISCOVERY_MAX_BYTES = 256 * 1024;
/** A JWT in its compact form: three base64url parts. */
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const NAME_MAX_LENGTH = 128;
/** Role names read from one token; more is not a token from an identity provider we know. */
const MAX_ROLE_VALUES = 1_000;

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** Unset: read from the issuer's discovery document (`jwks_uri`). */
  jwksUrl?: string;
  /** Where the roles are: a top-level claim of that exact name, else a dotted path (`realm_access.roles`). */
  rolesClaim: string;
  /** The identity provider's role names mapped to ours; unset: our own names count as they are. */
  roleMap?: ReadonlyMap<string, OperatorRole>;
  /** Refuse plain-HTTP discovery and JWKS URLs (production). */
  requireHttps: boolean;
}

export type TokenCheck =
  | { outcome: 'accepted'; principal: OperatorPrincipal }
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'unavailable'; reason: string };

const ROLE_MAP_ENTRY = '[^\\s,=]{1,256}=(viewer|operator|admin)';
/** `idpRole=ourRole` pairs separated by commas, e.g. `evento-admins=admin,evento-ops=operator`. */
export const OIDC_ROLE_MAP_PATTERN = new RegExp(`^\\s*${ROLE_MAP_ENTRY}(\\s*,\\s*${ROLE_MAP_ENTRY})*\\s*$`);

/** Parses OIDC_ROLE_MAP; throws on a malformed map or an identity-provider role mapped twice. */
export function parseRoleMap(value: string): Map<string, OperatorRole> {
  if (!OIDC_ROLE_MAP_PATTERN.test(value)) throw new Error('OIDC_ROLE_MAP must be idpRole=role pairs');
  const map = new Map<string, OperatorRole>();
  for (const pair of value.split(',')) {
    const [idpRole, role] = pair.trim().split('=');
    if (map.has(idpRole)) throw new Error(`OIDC_ROLE_MAP maps ${idpRole} twice`);
    if (isOperatorRole(role)) map.set(idpRole, role);
  }
  return map;
}

/** Whether a URL may serve the identity provider's documents: http(s), https when required. */
export function isIdentityProviderUrl(value: unknown, requireHttps: boolean): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (!requireHttps && url.protocol === 'http:');
  } catch {
    return false;
  }
}

/**
 * The claim at `path`: a top-level claim of exactly that name first (Auth0's namespaced claims
 * such as `https://evento.example/roles` hold dots), else the dotted path into nested objects
 * (Keycloak's `realm_access.roles`).
 */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Our role from a roles claim: a list of names or one space-separated string; the highest one counts. */
export function roleFromClaim(value: unknown, roleMap?: ReadonlyMap<string, OperatorRole>): OperatorRole | undefined {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  const roles: OperatorRole[] = [];
  for (const name of names.slice(0, MAX_ROLE_VALUES)) {
    if (typeof name !== 'string') continue;
    // With a map, only mapped names count: an identity provider's own `admin` role may mean
    // something else entirely (an admin of another application in the same realm).
    const role = roleMap ? roleMap.get(name) : isOperatorRole(name) ? name : undefined;
    if (role) roles.push(role);
  }
  return highestRole(roles);
}

function nameOf(payload: JWTPayload): string {
  for (const claim of ['preferred_username', 'sub', 'azp', 'client_id']) {
    const value = payload[claim];
    if (typeof value === 'string' && value.length > 0) return value.slice(0, NAME_MAX_LENGTH);
  }
  return 'unnamed-subject';
}

/** A token the identity provider could not have issued, or that is no longer valid. */
const INVALID_TOKEN_ERRORS = [
  errors.JWTClaimValidationFailed,
  errors.JWTExpired,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
];

/**
 * Verifies operators' bearer tokens issued by an OpenID Connect provider: signature against the
 * provider's JWKS (fetched, cached and refreshed by jose, at most once per 30 s on an unknown key
 * id), issuer, audience, expiry (required) and not-before, with a small clock tolerance. The role
 * comes from the configured claim. When the provider cannot be reached the answer is
 * `unavailable`, not `rejected`: the token may well be good.
 */
export class OidcVerifier {
  private jwks?: RemoteJWKSet;
  private discovery?: Promise<RemoteJWKSet>;
  private discoveryFailedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly settings: OidcSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (settings.jwksUrl) this.jwks = this.remoteSet(settings.jwksUrl);
  }

  async verify(token: string): Promise<TokenCheck> {
    if (!COMPACT_JWT.test(token)) return { outcome: 'rejected', reason: 'not a JWT' };
    let keys: RemoteJWKSet;
    try {
      keys = await this.keys();
    } catch (error) {
      return { outcome: 'unavailable', reason: `discovery failed: ${(error as Error).message}` };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
        algorithms: ALGORITHMS,
      }));
    } catch (error) {
      if (INVALID_TOKEN_ERRORS.some((type) => error instanceof type)) {
        return { outcome: 'rejected', reason: (error as Error).message };
      }
      // Timeouts, network failures, a JWKS that is not one: the provider, not the token.
      return { outcome: 'unavailable', reason: `JWKS unavailable: ${(error as Error).message}` };
    }
    const role = roleFromClaim(claimAt(payload, this.settings.rolesClaim), this.settings.roleMap);
    return { outcome: 'accepted', principal: { name: nameOf(payload), via: 'oidc', ...(role ? { role } : {}) } };
  }

  private remoteSet(url: string): RemoteJWKSet {
    return createRemoteJWKSet(new URL(url), { timeoutDuration: FETCH_TIMEOUT_MS });
  }

  private keys(): Promise<RemoteJWKSet> {
    if (this.jwks) return Promise.resolve(this.jwks);
    if (this.now() - this.discoveryFailedAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(new Error('the last attempt failed moments ago'));
    }
    this.discovery ??= this.discover().then(
      (url) => {
        this.jwks = this.remoteSet(url);
        return this.jwks;
      },
      (error: unknown) => {
        this.discoveryFailedAt = this.now();
        this.discovery = undefined;
        throw error;
      },
    );
    return this.discovery;
  }

  /** The `jwks_uri` of the issuer's OpenID Connect discovery document, which must name the same issuer. */
  private async discover(): Promise<string> {
    const url = `${this.settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    const text = await readBounded(response, DISCOVERY_MAX_BYTES);
    const document = JSON.parse(text) as unknown;
    if (typeof document !== 'object' || document === null) throw new Error(`${url} is not a JSON object`);
    const { issuer, jwks_uri: jwksUri } = document as Record<string, unknown>;
    if (issuer !== this.settings.issuer) throw new Error(`${url} names another issuer`);
    if (!isIdentityProviderUrl(jwksUri, this.settings.requireHttps)) {
      throw new Error(`${url} has no usable jwks_uri${this.settings.requireHttps ? ' (https required)' : ''}`);
    }
    return jwksUri as string;
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`the document is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
