import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalog (what each bundle last reported) and the live view of instances. Components,
 * handlers and payloads are keyed by bundle, so two bundles declaring the same name keep
 * separate rows instead of silently merging. Instances live in Postgres, not in memory, so
 * every registry and gateway replica sees the same cluster.
 */
export class CreateCatalogAndInstances1763800000100 implements MigrationInterface {
  name = 'CreateCatalogAndInstances1763800000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "registry"."bundles" (
        "bundle_id" text PRIMARY KEY,
        "bundle_version" text NOT NULL,
        "description" text,
        "detail" text,
        "repository_url" text,
        "line_prefix" text,
        "discovered_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "registry"."components" (
        "bundle_id" text NOT NULL REFERENCES "registry"."bundles" ("bundle_id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "type" text NOT NULL,
        "description" text,
        "path" text,
        "line" integer,
        PRIMARY KEY ("bundle_id", "name")
      )`);
    await queryRunner.query(`
      CREATE TABLE "registry"."payloads" (
        "bundle_id" text NOT NULL REFERENCES "registry"."bundles" ("bundle_id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "kind" text NOT NULL,
        "json_schema" jsonb,
        "domain" text,
        "description" text,
        "detail" text,
        PRIMARY KEY ("bundle_id", "name")
      )`);
    await queryRunner.query(`
      CREATE TABLE "registry"."handlers" (
        "bundle_id" text NOT NULL,
        "component_name" text NOT NULL,
        "handler_type" text NOT NULL,
        "payload" text NOT NULL,
        "return_type" text,
        "returns_many" boolean NOT NULL DEFAULT false,
        "association_property" text,
        "line" integer,
        "invoked_commands" text[] NOT NULL DEFAULT '{}',
        "invoked_queries" text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY ("bundle_id", "component_name", "handler_type", "payload"),
        FOREIGN KEY ("bundle_id", "component_name")
          REFERENCES "registry"."components" ("bundle_id", "name") ON DELETE CASCADE
      )`);
    // The routing table looks handlers up by payload.
    await queryRunner.query('CREATE INDEX "handlers_payload_idx" ON "registry"."handlers" ("payload")');
    await queryRunner.query(`
      CREATE TABLE "registry"."instances" (
        "instance_id" text PRIMARY KEY,
        "bundle_id" text NOT NULL REFERENCES "registry"."bundles" ("bundle_id") ON DELETE CASCADE,
        "bundle_version" text NOT NULL,
        "session_id" uuid NOT NULL,
        "status" text NOT NULL CHECK ("status" IN ('joined', 'available', 'unavailable', 'gone')),
        "host" text NOT NULL,
        "pid" integer NOT NULL,
        "pod" text,
        "node" text,
        "registry_instance_id" text NOT NULL,
        "joined_at" timestamptz NOT NULL DEFAULT now(),
        "last_heartbeat_at" timestamptz NOT NULL DEFAULT now(),
        "lease_expires_at" timestamptz NOT NULL,
        "left_at" timestamptz,
        "left_reason" text
      )`);
    await queryRunner.query('CREATE INDEX "instances_bundle_idx" ON "registry"."instances" ("bundle_id")');
    // The sweeper scans only live instances by lease.
    await queryRunner.query(
      `CREATE INDEX "instances_lease_idx" ON "registry"."instances" ("lease_expires_at") WHERE "status" <> 'gone'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."instances"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."handlers"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."payloads"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."components"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."bundles"');
  }
}
