import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The telemetry app owns the `telemetry` schema; nothing else writes to it. */
export class CreateSchemaTelemetry1763800000000 implements MigrationInterface {
  name = 'CreateSchemaTelemetry1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS "telemetry"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SCHEMA IF EXISTS "telemetry" CASCADE');
  }
}
