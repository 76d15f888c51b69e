import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The creation-time index becomes a BRIN index. Events are appended in time order, so block
 * ranges summarise the column well and operators' time-range searches still find their
 * blocks; a B-tree cost every append one more index insertion (one of six per event) for a
 * filter only search uses.
 */
export class BrinTimeIndex1763800000500 implements MigrationInterface {
  name = 'BrinTimeIndex1763800000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "event_store"."events_created_at"`);
    await q.query(`CREATE INDEX "events_created_at" ON "event_store"."events" USING brin ("created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "event_store"."events_created_at"`);
    await q.query(`CREATE INDEX "events_created_at" ON "event_store"."events" ("created_at")`);
  }
}
