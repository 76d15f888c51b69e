import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each service command sent with a request id did, shared by every gateway: a retry on any
 * gateway waits for a running one, is answered from a done one, and is refused when the id came
 * with another request (its fingerprint differs). A running record holds a lease its gateway
 * renews (a dead gateway's record frees itself); a done one is kept for GATEWAY_DEDUP_TTL_MS.
 * Either way `expires_at` says when the record stops counting; every gateway sweeps expired ones.
 */
export class CreateServiceRequests1763800000100 implements MigrationInterface {
  name = 'CreateServiceRequests1763800000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway"."service_requests" (
        "request_id" text PRIMARY KEY,
        "fingerprint" text NOT NULL,
        "state" text NOT NULL CHECK ("state" IN ('running', 'done')),
        "owner" text NOT NULL,
        "result" jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(
      'CREATE INDEX "service_requests_expires_at_idx" ON "gateway"."service_requests" ("expires_at")',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS "gateway"."service_requests"');
  }
}
