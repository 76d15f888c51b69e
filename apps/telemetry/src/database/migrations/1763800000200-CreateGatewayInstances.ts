import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway instances that sent samples, with when they were last seen: the number of
 * servers of the model's gateway station. One row per instance, pruned when stale.
 */
export class CreateGatewayInstances1763800000200 implements MigrationInterface {
  name = 'CreateGatewayInstances1763800000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE telemetry.gateway_instances (
        instance_id text PRIMARY KEY,
        last_seen timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS telemetry.gateway_instances');
  }
}
