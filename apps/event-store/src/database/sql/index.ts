import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** append.sql: the live bodies of append_batch and its helpers (shipped beside the compiled code). */
export const APPEND_SQL_PATH = join(__dirname, 'append.sql');

/**
 * SHA-256 of append.sql (line endings as \n) as the latest migration that installs it,
 * 1763800000600, was released. Existing databases run a changed function only once a new
 * migration installs the file again (see its header): write that migration, then update this.
 */
export const RELEASED_APPEND_SQL_SHA256 = 'ad0f0bd0f836ebb7eb78158ae443799dbd613915d4ea0b540dc6b8554fd157fe';

/** The statements of append.sql, which create or replace every function it defines. */
export function appendFunctionsSql(): string {
  return readFileSync(APPEND_SQL_PATH, 'utf8');
}

export function sha256OfSql(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}
