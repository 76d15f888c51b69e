import * as crypto from 'node:crypto';

// A spy around the real comparison, to see what the check hands it.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
import { highestRole, roleAllows } from './operator-roles';
import { LEGACY_OPERATOR_TOKEN_NAME, parseOperatorTokens, StaticOperatorTokens } from './operator-tokens';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789';
const LEGACY = 'legacy-token-0123456789';

describe('operator roles', () => {
  it('orders viewer < operator < admin, each including the lower ones', () => {
    expect(roleAllows('admin', 'viewer')).toBe(true);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(highestRole(['viewer', 'admin', 'operator'])).toBe('admin');
    expect(highestRole([])).toBeUndefined();
  });
});

describe('OPERATOR_TOKENS', () => {
  it('parses name:role:token entries, the token being everything after the second colon', () => {
    expect(parseOperatorTokens(`alice:viewer:${ALICE}, bob:admin:${BOB}:with:colons`)).toEqual({
      entries: [
        { name: 'alice', role: 'viewer', token: ALICE },
        { name: 'bob', role: 'admin', token: `${BOB}:with:colons` },
      ],
    });
  });

  it('refuses malformed entries, unknown roles, short tokens and repeats, naming entries by position only', () => {
    const cases: Array<[string, RegExp]> = [
      [`alice:${ALICE}`, /^entry 1 of 1 is not name:role:token$/],
      [`alice:viewer:${ALICE},`, /^entry 2 of 2 is not/],
      [`alice:root:${ALICE}`, /^entry 1 of 1: the role must be viewer, operator or admin$/],
      [`alice:viewer:short`, /^entry 1 of 1: the token must be 16-512 characters/],
      [`-alice:viewer:${ALICE}`, /^entry 1 of 1: the name must be/],
      [`alice:viewer:${ALICE},alice:admin:${BOB}`, /^entries 1 and 2 have the same name$/],
      [`alice:viewer:${ALICE},bob:admin:${ALICE}`, /^entries 1 and 2 have the same token$/],
    ];
    for (const [value, problem] of cases) {
      const parsed = parseOperatorTokens(value);
      expect(parsed).toEqual({ problem: expect.stringMatching(problem) });
      expect((parsed as { problem: string }).problem).not.toContain(ALICE);
    }
    expect(parseOperatorTokens(`alice:viewer:${ALICE}`, ALICE)).toEqual({
      problem: 'entry 1 has the same token as OPERATOR_TOKEN',
    });
  });

  it('matches a presented token to its entry, OPERATOR_TOKEN being an admin token', () => {
    const tokens = new StaticOperatorTokens(`alice:viewer:${ALICE},bob:operator:${BOB}`, LEGACY);
    expect(tokens.size).toBe(3);
    expect(tokens.match(ALICE)).toEqual({ name: 'alice', role: 'viewer', via: 'static' });
    expect(tokens.match(BOB)).toEqual({ name: 'bob', role: 'operator', via: 'static' });
    expect(tokens.match(LEGACY)).toEqual({ name: LEGACY_OPERATOR_TOKEN_NAME, role: 'admin', via: 'static' });
    expect(tokens.match(`${ALICE}x`)).toBeUndefined();
    expect(tokens.match('')).toBeUndefined();
    expect(new StaticOperatorTokens(undefined, undefined).size).toBe(0);
    expect(() => new StaticOperatorTokens('nonsense', undefined)).toThrow(/OPERATOR_TOKENS/);
  });

  it('compares with every entry, in constant time over fixed-length digests', () => {
    const tokens = new StaticOperatorTokens(`alice:viewer:${ALICE},bob:operator:${BOB}`, LEGACY);
    const spy = jest.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(tokens.match(ALICE)?.name).toBe('alice');
    // The first entry matches, and the others are still compared: the time says nothing of which one did.
    expect(spy).toHaveBeenCalledTimes(3);
    for (const [given, expected] of spy.mock.calls as Array<[Buffer, Buffer]>) {
      expect(given).toHaveLength(32);
      expect(expected).toHaveLength(32);
    }
  });
});
