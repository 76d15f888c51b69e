import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendFunctionsSql } from '../sql';
import { CHECKING_APPEND } from './1763800000300-LeanAppend';
import { APPEND_FROM_LOG, SEQUENTIAL_FROM_LOG } from './1763800000400-VersionFromLog';

/**
 * From here on the append functions live in one file, `../sql/append.sql`, which this migration
 * installs; the bodies are those 1763800000400 (append_batch with three arguments,
 * append_batch_sequential) and 1763800000300 (append_batch with two) left live. down() puts
 * back exactly the text those migrations installed.
 */
export class AppendFunctionsFromSource1763800000600 implements MigrationInterface {
  name = 'AppendFunctionsFromSource1763800000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(appendFunctionsSql());
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPEND_FROM_LOG);
    await q.query(SEQUENTIAL_FROM_LOG);
    await q.query(CHECKING_APPEND);
  }
}
