import { createHash, timingSafeEqual } from 'node:crypto';
import { isOperatorRole, type OperatorPrincipal, type OperatorRole } from './operator-roles';

/** Shortest static operator token: what a person cannot guess, what `openssl rand -hex 8` gives. */
export const OPERATOR_TOKEN_MIN_LENGTH = 16;
export const OPERATOR_TOKEN_MAX_LENGTH = 512;
/** The name the single OPERATOR_TOKEN is logged under. */
export const LEGACY_OPERATOR_TOKEN_NAME = 'operator-token';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const TOKEN = new RegExp(`^[^\\s,]{${OPERATOR_TOKEN_MIN_LENGTH},${OPERATOR_TOKEN_MAX_LENGTH}}$`);

export interface StaticOperatorToken {
  name: string;
  role: OperatorRole;
  token: string;
}

/**
 * `OPERATOR_TOKENS`: comma-separated `name:role:token` entries (the token is everything after
 * the second colon). Returns the entries, or the first problem found. Problems name entries by
 * position only: a mistyped entry may hold a token where its name should be, and values never
 * reach a log.
 */
export function parseOperatorTokens(
  value: string,
  legacyToken?: string,
): { entries: StaticOperatorToken[] } | { problem: string } {
  const raw = value.split(',').map((entry) => entry.trim());
  const entries: StaticOperatorToken[] = [];
  for (const [index, entry] of raw.entries()) {
    const at = `entry ${index + 1} of ${raw.length}`;
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    if (second < 0) return { problem: `${at} is not name:role:token` };
    const [name, role, token] = [entry.slice(0, first), entry.slice(first + 1, second), entry.slice(second + 1)];
    if (!NAME.test(name)) {
      return { problem: `${at}: the name must be 1-64 of A-Z a-z 0-9 _ . @ - (not starting with one of _.@-)` };
    }
    if (!isOperatorRole(role)) return { problem: `${at}: the role must be viewer, operator or admin` };
    if (!TOKEN.test(token)) {
      return {
        problem: `${at}: the token must be ${OPERATOR_TOKEN_MIN_LENGTH}-${OPERATOR_TOKEN_MAX_LENGTH} characters without spaces or commas`,
      };
    }
    entries.push({ name, role, token });
  }
  for (let i = 0; i < entries.length; i += 1) {
    for (let j = i + 1; j < entries.length; j += 1) {
      if (entries[i].name === entries[j].name) return { problem: `entries ${i + 1} and ${j + 1} have the same name` };
      if (entries[i].token === entries[j].token) {
        return { problem: `entries ${i + 1} and ${j + 1} have the same token` };
      }
    }
    if (legacyToken !== undefined && entries[i].token === legacyToken) {
      return { problem: `entry ${i + 1} has the same token as OPERATOR_TOKEN` };
    }
  }
  return { entries };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The static operator tokens: every `OPERATOR_TOKENS` entry, and `OPERATOR_TOKEN` as one admin
 * token (how it worked before roles existed). A presented token is compared with every entry,
 * always all of them, as SHA-256 digests with timingSafeEqual: the time depends neither on
 * where the strings differ, nor on their lengths, nor on which entry matches.
 */
export class StaticOperatorTokens {
  private readonly entries: Array<{ name: string; role: OperatorRole; digest: Buffer }>;

  constructor(tokens: string | undefined, legacyToken: string | undefined) {
    const parsed = tokens ? parseOperatorTokens(tokens, legacyToken) : { entries: [] };
    if ('problem' in parsed) throw new Error(`OPERATOR_TOKENS: ${parsed.problem}`);
    const all = [...parsed.entries];
    if (legacyToken) all.push({ name: LEGACY_OPERATOR_TOKEN_NAME, role: 'admin', token: legacyToken });
    this.entries = all.map(({ name, role, token }) => ({ name, role, digest: digest(token) }));
  }

  get size(): number {
    return this.entries.length;
  }

  match(token: string): OperatorPrincipal | undefined {
    const given = digest(token);
    let found: OperatorPrincipal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(given, entry.digest) && !found) found = { name: entry.name, role: entry.role, via: 'static' };
    }
    return found;
  }
}
