import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The event-store app owns the `event_store` schema; nothing else writes to it. */
export class CreateSchemaEventStore1763800000000 implements MigrationInterface {
  name = 'CreateSchemaEventStore1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS "event_store"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SCHEMA IF EXISTS "event_store" CASCADE');
  }
}
