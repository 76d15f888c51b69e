import { createHash, timingSafeEqual } from 'node:crypto';

const PAIR = '[A-Za-z0-9][A-Za-z0-9_-]{0,99}=[^\\s,=]{16,512}';
/** `bundleA=token1,bundleB=token2` (spaces around commas allowed). */
export const BUNDLE_TOKENS_PATTERN = new RegExp(`^\\s*${PAIR}(\\s*,\\s*${PAIR})*\\s*$`);

export type TokenVerdict = 'accepted' | 'rejected' | 'open';

/**
 * Bundle credentials: a token per bundle (BUNDLE_TOKENS) wins over the shared one
 * (BUNDLE_TOKEN); with neither configured every bundle is accepted ('open').
 */
export class BundleTokens {
  private readonly perBundle: Map<string, Buffer>;
  private readonly shared?: Buffer;

  constructor(shared: string | undefined, perBundle: string | undefined) {
    this.shared = shared ? digest(shared) : undefined;
    this.perBundle = new Map(
      parseBundleTokens(perBundle ?? '').map(([bundleId, token]) => [bundleId, digest(token)] as const),
    );
  }

  get open(): boolean {
    return !this.shared && this.perBundle.size === 0;
  }

  check(bundleId: string, token: string | undefined): TokenVerdict {
    if (this.open) return 'open';
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
