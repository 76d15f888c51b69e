import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Optional rules on telemetry per policy (metric, threshold, window): an empty list means none. */
export class AddPolicyRules1763800000200 implements MigrationInterface {
  name = 'AddPolicyRules1763800000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scaler"."policies" ADD COLUMN "rules" jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scaler"."policies" DROP COLUMN "rules"`);
  }
}
