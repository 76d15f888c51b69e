import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consumers reported by live instances, bundle configuration, the routing-table version and
 * descriptor uploads in parts.
 *
 * Consumer rows belong to one session of one instance: a trigger drops them when the instance
 * leaves (goodbye, lease expiry) or a new hello supersedes the session, whichever replica or
 * code path made the change; reads also check the session and the lease, so rows the trigger
 * has not dropped yet (an expired lease before the sweep) never show.
 */
export class CreateConsumersConfigurationAndVersions1763800000200 implements MigrationInterface {
  name = 'CreateConsumersConfigurationAndVersions1763800000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "registry"."consumers" (
        "instance_id" text NOT NULL REFERENCES "registry"."instances" ("instance_id") ON DELETE CASCADE,
        "session_id" uuid NOT NULL,
        "bundle_id" text NOT NULL,
        "consumer_id" text NOT NULL,
        "component_name" text NOT NULL,
        "component_type" text NOT NULL,
        "version" integer NOT NULL,
        "context" text NOT NULL,
        "active" boolean NOT NULL,
        "cursor" text,
        "lag" bigint,
        "dead_events" integer,
        "reported_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("instance_id", "consumer_id")
      )`);
    await queryRunner.query(
      'CREATE INDEX "consumers_bundle_consumer_idx" ON "registry"."consumers" ("bundle_id", "consumer_id")',
    );
    await queryRunner.query(`
      CREATE FUNCTION "registry"."drop_consumers_of_left_session"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM "registry"."consumers" WHERE "instance_id" = OLD."instance_id";
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "instances_drop_consumers"
        AFTER UPDATE ON "registry"."instances" FOR EACH ROW
        WHEN (NEW."status" = 'gone' OR NEW."session_id" IS DISTINCT FROM OLD."session_id")
        EXECUTE FUNCTION "registry"."drop_consumers_of_left_session"()`);

    // Configuration is keyed by bundle id, not tied to the catalog row: operators may configure a
    // bundle before its first instance says hello, and removing a bundle keeps its settings.
    await queryRunner.query(`
      CREATE TABLE "registry"."configuration_values" (
        "bundle_id" text NOT NULL,
        "key" text NOT NULL,
        "value" text NOT NULL,
        "secret" boolean NOT NULL DEFAULT false,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("bundle_id", "key")
      )`);
    await queryRunner.query(`
      CREATE TABLE "registry"."configuration_versions" (
        "bundle_id" text PRIMARY KEY,
        "version" bigint NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);

    // One sequence for every replica: each routing change takes the next number after it committed.
    await queryRunner.query('CREATE SEQUENCE "registry"."routing_version" AS bigint START WITH 1');

    // Payload detail looks payloads up by name and handlers by what they return or invoke.
    await queryRunner.query('CREATE INDEX "payloads_name_idx" ON "registry"."payloads" ("name")');
    await queryRunner.query('CREATE INDEX "handlers_return_type_idx" ON "registry"."handlers" ("return_type")');
    await queryRunner.query(
      'CREATE INDEX "handlers_invoked_commands_idx" ON "registry"."handlers" USING gin ("invoked_commands")',
    );
    await queryRunner.query(
      'CREATE INDEX "handlers_invoked_queries_idx" ON "registry"."handlers" USING gin ("invoked_queries")',
    );

    await queryRunner.query(`
      CREATE TABLE "registry"."descriptor_uploads" (
        "instance_id" text NOT NULL,
        "upload_id" uuid NOT NULL,
        "session_id" uuid NOT NULL,
        "parts" integer NOT NULL,
        "expires_at" timestamptz NOT NULL,
        PRIMARY KEY ("instance_id", "upload_id")
      )`);
    await queryRunner.query(
      'CREATE INDEX "descriptor_uploads_expiry_idx" ON "registry"."descriptor_uploads" ("expires_at")',
    );
    await queryRunner.query(`
      CREATE TABLE "registry"."descriptor_upload_parts" (
        "instance_id" text NOT NULL,
        "upload_id" uuid NOT NULL,
        "part" integer NOT NULL,
        "chunk" text NOT NULL,
        PRIMARY KEY ("instance_id", "upload_id", "part"),
        FOREIGN KEY ("instance_id", "upload_id")
          REFERENCES "registry"."descriptor_uploads" ("instance_id", "upload_id") ON DELETE CASCADE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."descriptor_upload_parts"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."descriptor_uploads"');
    await queryRunner.query('DROP INDEX IF EXISTS "registry"."handlers_invoked_queries_idx"');
    await queryRunner.query('DROP INDEX IF EXISTS "registry"."handlers_invoked_commands_idx"');
    await queryRunner.query('DROP INDEX IF EXISTS "registry"."handlers_return_type_idx"');
    await queryRunner.query('DROP INDEX IF EXISTS "registry"."payloads_name_idx"');
    await queryRunner.query('DROP SEQUENCE IF EXISTS "registry"."routing_version"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."configuration_versions"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."configuration_values"');
    await queryRunner.query('DROP TRIGGER IF EXISTS "instances_drop_consumers" ON "registry"."instances"');
    await queryRunner.query('DROP FUNCTION IF EXISTS "registry"."drop_consumers_of_left_session"()');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."consumers"');
  }
}
