import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const PAIR = '[A-Za-z0-9][A-Za-z0-9_-]{0,99}=[^\\s,=]{16,512}';
/** `bundleA=token1,bundleB=token2` (spaces around commas allowed). */
export const BUNDLE_TOKENS_PATTERN = new RegExp(`^\\s*${PAIR}(\\s*,\\s*${PAIR})*\\s*$`);

export type TokenVerdict = 'accepted' | 'rejected' | 'open';

/** Marks a short-lived token: `evento1.<bundleId>.<expiresAtMs>.<base64url HMAC-SHA256>`. */
export const SHORT_LIVED_TOKEN_PREFIX = 'evento1';
const SHORT_LIVED = /^evento1\.([A-Za-z0-9][A-Za-z0-9_-]{0,99})\.([0-9]{1,15})\.([A-Za-z0-9_-]{43})$/;

/**
 * A credential derived from a bundle's token, bound to that bundle and valid until
 * `expiresAtMs`: the HMAC-SHA256, keyed by the bundle's token, of everything before the last dot.
 * What the scaler hands to deploy scripts instead of the static token.
 */
export function mintShortLivedToken(bundleId: string, secret: string, expiresAtMs: number): string {
  const body = `${SHORT_LIVED_TOKEN_PREFIX}.${bundleId}.${Math.floor(expiresAtMs)}`;
  return `${body}.${sign(body, secret)}`;
}

/**
 * Bundle credentials: a token per bundle (BUNDLE_TOKENS) wins over the shared one
 * (BUNDLE_TOKEN); with neither configured every bundle is accepted ('open').
 */
export class BundleTokens {
  private readonly perBundle: Map<string, Buffer>;
  private readonly shared?: Buffer;
  // The secrets themselves key the HMAC of short-lived tokens.
  private readonly perBundleSecrets: Map<string, string>;
  private readonly sharedSecret?: string;

  constructor(
    shared: string | undefined,
    perBundle: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.sharedSecret = shared || undefined;
    this.shared = shared ? digest(shared) : undefined;
    const pairs = parseBundleTokens(perBundle ?? '');
    this.perBundleSecrets = new Map(pairs);
    this.perBundle = new Map(pairs.map(([bundleId, token]) => [bundleId, digest(token)] as const));
  }

  get open(): boolean {
    return !this.shared && this.perBundle.size === 0;
  }

  /** The static token of the bundle, or a short-lived one minted from it for this bundle and not expired. */
  check(bundleId: string, token: string | undefined): TokenVerdict {
    if (this.open) return 'open';
    if (token !== undefined && SHORT_LIVED.test(token)) return this.checkShortLived(bundleId, token);
    const expected = this.perBundle.get(bundleId) ?? this.shared;
    // Comparing fixed-length digests keeps the time independent of where the strings differ
    // and of the token's length.
    const given = digest(token ?? '');
    if (!expected) {
      timingSafeEqual(given, given);
      return 'rejected';
    }
    return timingSafeEqual(given, expected) && token !== undefined ? 'accepted' : 'rejected';
  }

  private checkShortLived(bundleId: string, token: string): TokenVerdict {
    const parts = SHORT_LIVED.exec(token);
    const secret = this.perBundleSecrets.get(bundleId) ?? this.sharedSecret;
    if (!parts || !secret) return 'rejected';
    const [, boundTo, expiresAt, signature] = parts;
    const expected = digest(sign(token.slice(0, token.lastIndexOf('.')), secret));
    // Digests of both sides: equal lengths, and the time does not depend on where they differ.
    const valid = timingSafeEqual(digest(signature), expected);
    return valid && boundTo === bundleId && Number(expiresAt) > this.now() ? 'accepted' : 'rejected';
  }
}

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('base64url');
}

/** Pairs of `bundleId=token`; throws on a malformed list or a bundle listed twice. */
export function parseBundleTokens(value: string): Array<[string, string]> {
  if (value.trim() === '') return [];
  if (!BUNDLE_TOKENS_PATTERN.test(value)) throw new Error('BUNDLE_TOKENS must be bundleId=token pairs');
  const pairs = value.split(',').map((pair) => {
    const [bundleId, token] = pair.trim().split('=');
    return [bundleId, token] as [string, string];
  });
  const ids = pairs.map(([id]) => id);
  const twice = ids.find((id, index) => ids.indexOf(id) !== index);
  if (twice) throw new Error(`BUNDLE_TOKENS lists ${twice} twice`);
  return pairs;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
