import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Policies (what operators want), signals (what instances said), decisions (what the active
 * scaler did and why) and operations (starts not yet registered, drains not yet gone). The
 * operations live in Postgres so a standby that takes over counts them and starts nothing twice.
 */
export class CreatePoliciesSignalsDecisions1763800000100 implements MigrationInterface {
  name = 'CreatePoliciesSignalsDecisions1763800000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scaler"."policies" (
        "bundle_id" text PRIMARY KEY,
        "enabled" boolean NOT NULL,
        "min_instances" integer NOT NULL CHECK ("min_instances" >= 0),
        "max_instances" integer NOT NULL CHECK ("max_instances" >= "min_instances"),
        "step" integer NOT NULL CHECK ("step" >= 1),
        "cooldown_up_ms" integer NOT NULL CHECK ("cooldown_up_ms" >= 0),
        "cooldown_down_ms" integer NOT NULL CHECK ("cooldown_down_ms" >= 0),
        "start_timeout_ms" integer NOT NULL,
        "drain_timeout_ms" integer NOT NULL,
        "autorun" boolean NOT NULL,
        "actuator" jsonb NOT NULL,
        "description" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "scaler"."signals" (
        "id" bigserial PRIMARY KEY,
        "bundle_id" text NOT NULL,
        "instance_id" text NOT NULL,
        "signal" text NOT NULL,
        "in_flight" integer NOT NULL,
        "capacity" integer,
        "received_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "signals_bundle_time" ON "scaler"."signals" ("bundle_id", "received_at")`);
    await queryRunner.query(`
      CREATE TABLE "scaler"."decisions" (
        "id" bigserial PRIMARY KEY,
        "bundle_id" text NOT NULL,
        "action" text NOT NULL,
        "count" integer NOT NULL,
        "target" integer NOT NULL,
        "reason" text NOT NULL,
        "inputs" jsonb NOT NULL,
        "actuator" text NOT NULL,
        "outcome" text NOT NULL,
        "output" text,
        "error" text,
        "scaler_instance_id" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "decisions_bundle" ON "scaler"."decisions" ("bundle_id", "id" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "scaler"."operations" (
        "id" bigserial PRIMARY KEY,
        "decision_id" bigint NOT NULL REFERENCES "scaler"."decisions" ("id") ON DELETE CASCADE,
        "bundle_id" text NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('start', 'drain')),
        "instance_id" text,
        "state" text NOT NULL DEFAULT 'pending',
        "requested_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "finished_at" timestamptz,
        "matched_instance_id" text,
        "detail" text
      )`);
    await queryRunner.query(
      `CREATE INDEX "operations_pending" ON "scaler"."operations" ("bundle_id") WHERE "state" = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "scaler"."operations"');
    await queryRunner.query('DROP TABLE "scaler"."decisions"');
    await queryRunner.query('DROP TABLE "scaler"."signals"');
    await queryRunner.query('DROP TABLE "scaler"."policies"');
  }
}
