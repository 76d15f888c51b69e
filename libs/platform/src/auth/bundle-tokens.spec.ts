import { BUNDLE_TOKENS_PATTERN, BundleTokens, parseBundleTokens } from './bundle-tokens';

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
});
