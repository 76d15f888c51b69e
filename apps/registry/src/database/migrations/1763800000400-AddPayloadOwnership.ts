import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every command, query and produced event has one owner: the bundle the gateway routes it to
 * and the only one whose descriptor may declare a handler (or producer) of it. Ownership is
 * keyed by payload name alone, whatever kind each bundle declares, because the gateway routes by
 * name. An owner row goes with its bundle (removal from the catalog releases the payloads);
 * transfers are an operator's decisions, kept as history after either bundle is gone.
 *
 * Existing catalogs keep routing where they routed: each claimed payload goes to the first
 * bundle, by bundle id, that stores a claiming handler, as the gateways chose before.
 */
export class AddPayloadOwnership1763800000400 implements MigrationInterface {
  name = 'AddPayloadOwnership1763800000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "registry"."payload_transfers" (
        "transfer_id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "payload" text NOT NULL,
        "from_bundle_id" text,
        "to_bundle_id" text NOT NULL,
        "reason" text NOT NULL,
        "approved_by" text NOT NULL,
        "approved_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX "payload_transfers_payload_idx" ON "registry"."payload_transfers" ("payload", "transfer_id")',
    );
    await queryRunner.query(`
      CREATE TABLE "registry"."payload_owners" (
        "payload" text PRIMARY KEY,
        "bundle_id" text NOT NULL REFERENCES "registry"."bundles" ("bundle_id") ON DELETE CASCADE,
        "source" text NOT NULL CHECK ("source" IN ('declared', 'transfer', 'migration')),
        "transfer_id" bigint REFERENCES "registry"."payload_transfers" ("transfer_id"),
        "since" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX "payload_owners_bundle_idx" ON "registry"."payload_owners" ("bundle_id")');

    // The claims of apps/registry/src/ownership/payload-claims.ts, over what is stored.
    await queryRunner.query(`
      INSERT INTO "registry"."payload_owners" ("payload", "bundle_id", "source")
      SELECT c."payload", min(c."bundle_id"), 'migration'
        FROM (
          SELECT h."bundle_id", h."payload" FROM "registry"."handlers" h
           WHERE h."handler_type" IN ('aggregate-command', 'service-command', 'query', 'event-sourcing')
          UNION
          SELECT h."bundle_id", h."return_type" FROM "registry"."handlers" h
           WHERE h."handler_type" IN ('aggregate-command', 'service-command') AND h."return_type" IS NOT NULL
        ) c
       GROUP BY c."payload"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."payload_owners"');
    await queryRunner.query('DROP TABLE IF EXISTS "registry"."payload_transfers"');
  }
}
