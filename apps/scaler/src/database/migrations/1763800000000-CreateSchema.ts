import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The scaler app owns the `scaler` schema; nothing else writes to it. */
export class CreateSchemaScaler1763800000000 implements MigrationInterface {
  name = 'CreateSchemaScaler1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS "scaler"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SCHEMA IF EXISTS "scaler" CASCADE');
  }
}
