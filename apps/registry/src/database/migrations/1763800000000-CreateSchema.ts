import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The registry app owns the `registry` schema; nothing else writes to it. */
export class CreateSchemaRegistry1763800000000 implements MigrationInterface {
  name = 'CreateSchemaRegistry1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS "registry"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SCHEMA IF EXISTS "registry" CASCADE');
  }
}
