import * as crypto from 'node:crypto';

// A spy around the real comparison, to see what the check hands it.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
import { BUNDLE_TOKENS_PATTERN, BundleTokens, mintShortLivedToken, parseBundleTokens } from './bundle-tokens';

const A = 'a-token-of-16-chars-or-more';
const B = 'b-token-of-16-chars-or-more';
const SHARED = 'shared-token-0123456789';

describe('bundle tokens', () => {
  it('parses bundleId=token pairs', () => {
    expect(parseBundleTokens(`bundleA=${A}, bundleB=${B}`)).toEqual([
      ['bundleA', A],
      ['bundleB', B],
    ]);
    expect(parseBundleTokens('')).toEqual([]);
  });

  it('refuses malformed lists, short tokens and duplicates', () => {
    for (const bad of ['bundleA', 'bundleA=short', `a.b=${A}`, `bundleA=${A},`, `=${A}`]) {
      expect(BUNDLE_TOKENS_PATTERN.test(bad)).toBe(false);
      expect(() => parseBundleTokens(bad)).toThrow();
    }
    expect(() => parseBundleTokens(`x=${A},x=${B}`)).toThrow(/twice/);
  });

  it('is open when nothing is configured', () => {
    const tokens = new BundleTokens(undefined, undefined);
    expect(tokens.open).toBe(true);
    expect(tokens.check('any', undefined)).toBe('open');
  });

  it('checks the shared token', () => {
    const tokens = new BundleTokens(SHARED, undefined);
    expect(tokens.check('any', SHARED)).toBe('accepted');
    expect(tokens.check('any', `${SHARED}x`)).toBe('rejected');
    expect(tokens.check('any', undefined)).toBe('rejected');
  });

  it('prefers the bundle its own token over the shared one', () => {
    const tokens = new BundleTokens(SHARED, `bundleA=${A}`);
    expect(tokens.check('bundleA', A)).toBe('accepted');
    expect(tokens.check('bundleA', SHARED)).toBe('rejected');
    expect(tokens.check('bundleB', SHARED)).toBe('accepted');
    expect(tokens.check('bundleB', A)).toBe('rejected');
  });

  it('rejects bundles without an entry when only per-bundle tokens exist', () => {
    const tokens = new BundleTokens(undefined, `bundleA=${A}`);
    expect(tokens.check('bundleA', A)).toBe('accepted');
    expect(tokens.check('bundleB', A)).toBe('rejected');
    expect(tokens.check('bundleB', undefined)).toBe('rejected');
  });

  describe('short-lived tokens', () => {
    const NOW = 1_800_000_000_000;
    const clock = { now: NOW };
    const tokens = new BundleTokens(SHARED, `bundleA=${A}`, () => clock.now);
    afterEach(() => {
      clock.now = NOW;
    });

    it('has the documented shape and is accepted where the static token is, until it expires', () => {
      const token = mintShortLivedToken('bundleA', A, NOW + 60_000);
      expect(token).toMatch(/^evento1\.bundleA\.1800000060000\.[A-Za-z0-9_-]{43}$/);
      const body = token.slice(0, token.lastIndexOf('.'));
      expect(token.slice(body.length + 1)).toBe(crypto.createHmac('sha256', A).update(body).digest('base64url'));
      expect(tokens.check('bundleA', token)).toBe('accepted');
      clock.now = NOW + 59_999;
      expect(tokens.check('bundleA', token)).toBe('accepted');
      clock.now = NOW + 60_000;
      expect(tokens.check('bundleA', token)).toBe('rejected');
    });

    it('is bound to its bundle and keyed by that bundle its token', () => {
      const forA = mintShortLivedToken('bundleA', A, NOW + 60_000);
      expect(tokens.check('bundleB', forA)).toBe('rejected');
      // Minted for bundleB with A: bundleB's key is the shared token, so the signature is wrong.
      expect(tokens.check('bundleB', mintShortLivedToken('bundleB', A, NOW + 60_000))).toBe('rejected');
      expect(tokens.check('bundleB', mintShortLivedToken('bundleB', SHARED, NOW + 60_000))).toBe('accepted');
      // The shared token does not sign for a bundle that has its own.
      expect(tokens.check('bundleA', mintShortLivedToken('bundleA', SHARED, NOW + 60_000))).toBe('rejected');
    });

    it('refuses a tampered token', () => {
      const token = mintShortLivedToken('bundleA', A, NOW + 60_000);
      const [prefix, bundle, expiresAt, signature] = token.split('.');
      const later = [prefix, bundle, String(Number(expiresAt) + 3_600_000), signature].join('.');
      expect(tokens.check('bundleA', later)).toBe('rejected');
      const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      expect(tokens.check('bundleA', [prefix, bundle, expiresAt, flipped].join('.'))).toBe('rejected');
      expect(tokens.check('bundleA', `${token}x`)).toBe('rejected');
      expect(tokens.check('bundleA', token.slice(0, -1))).toBe('rejected');
    });

    it('compares signatures in constant time, over fixed-length digests', () => {
      const spy = jest.mocked(crypto.timingSafeEqual);
      spy.mockClear();
      const token = mintShortLivedToken('bundleA', A, NOW + 60_000);
      const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      expect(tokens.check('bundleA', wrong)).toBe('rejected');
      expect(spy).toHaveBeenCalledTimes(1);
      const [given, expected] = spy.mock.calls[0] as [Buffer, Buffer];
      expect(given).toHaveLength(32);
      expect(expected).toHaveLength(32);
    });

    it('is refused when the bundle has no token configured to key it', () => {
      const perBundleOnly = new BundleTokens(undefined, `bundleA=${A}`, () => NOW);
      expect(perBundleOnly.check('bundleC', mintShortLivedToken('bundleC', A, NOW + 60_000))).toBe('rejected');
    });
  });
});
