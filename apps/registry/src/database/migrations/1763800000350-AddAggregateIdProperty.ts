import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A domain command's payload may say which of its properties holds the aggregate id, so the
 * gateway takes the aggregate from the payload instead of trusting a separate field. Existing
 * payloads have none (null): callers keep sending `aggregateId` until their bundle reports one.
 */
export class AddAggregateIdProperty1763800000350 implements MigrationInterface {
  name = 'AddAggregateIdProperty1763800000350';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "registry"."payloads" ADD COLUMN "aggregate_id_property" text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "registry"."payloads" DROP COLUMN "aggregate_id_property"');
  }
}
