import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The gateway app owns the `gateway` schema; nothing else writes to it. */
export class CreateSchemaGateway1763800000000 implements MigrationInterface {
  name = 'CreateSchemaGateway1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS "gateway"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SCHEMA IF EXISTS "gateway" CASCADE');
  }
}
