import { isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { PolicyView } from './dto/policy.dto';

export type PolicyValues = Omit<PolicyView, 'createdAt' | 'updatedAt'>;

/** A PolicyView of a policies row. */
const POLICY_COLUMNS = `"bundle_id" AS "bundleId", "enabled", "min_instances" AS "minInstances",
  "max_instances" AS "maxInstances", "step", "cooldown_up_ms" AS "cooldownUpMs", "cooldown_down_ms" AS "cooldownDownMs",
  "start_timeout_ms" AS "startTimeoutMs", "drain_timeout_ms" AS "drainTimeoutMs", "autorun", "actuator",
  COALESCE("rules", '[]'::jsonb) AS "rules", "description", ${isoTimestamp('"created_at"')} AS "createdAt",
  ${isoTimestamp('"updated_at"')} AS "updatedAt"`;

/** The only place that touches scaler.policies. */
@Injectable()
export class PoliciesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(): Promise<PolicyView[]> {
    return this.db.query<PolicyView[]>(`SELECT ${POLICY_COLUMNS} FROM "scaler"."policies" ORDER BY "bundle_id"`);
  }

  async enabled(): Promise<PolicyView[]> {
    return this.db.query<PolicyView[]>(
      `SELECT ${POLICY_COLUMNS} FROM "scaler"."policies" WHERE "enabled" ORDER BY "bundle_id"`,
    );
  }

  async find(bundleId: string): Promise<PolicyView | null> {
    const rows = await this.db.query<PolicyView[]>(
      `SELECT ${POLICY_COLUMNS} FROM "scaler"."policies" WHERE "bundle_id" = $1`,
      [bundleId],
    );
    return rows[0] ?? null;
  }

  /** Creates or replaces; returns the stored policy and whether it is new. */
  async upsert(values: PolicyValues): Promise<{ policy: PolicyView; created: boolean }> {
    const rows = await this.db.query<Array<PolicyView & { created: boolean }>>(
      `INSERT INTO "scaler"."policies"
         ("bundle_id", "enabled", "min_instances", "max_instances", "step", "cooldown_up_ms", "cooldown_down_ms",
          "start_timeout_ms", "drain_timeout_ms", "autorun", "actuator", "description", "rules")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT ("bundle_id") DO UPDATE SET
         "enabled" = EXCLUDED."enabled", "min_instances" = EXCLUDED."min_instances",
         "max_instances" = EXCLUDED."max_instances", "step" = EXCLUDED."step",
         "cooldown_up_ms" = EXCLUDED."cooldown_up_ms", "cooldown_down_ms" = EXCLUDED."cooldown_down_ms",
         "start_timeout_ms" = EXCLUDED."start_timeout_ms", "drain_timeout_ms" = EXCLUDED."drain_timeout_ms",
         "autorun" = EXCLUDED."autorun", "actuator" = EXCLUDED."actuator",
         "description" = EXCLUDED."description", "rules" = EXCLUDED."rules", "updated_at" = now()
       RETURNING ${POLICY_COLUMNS}, (xmax = 0) AS "created"`,
      [
        values.bundleId,
        values.enabled,
        values.minInstances,
        values.maxInstances,
        values.step,
        values.cooldownUpMs,
        values.cooldownDownMs,
        values.startTimeoutMs,
        values.drainTimeoutMs,
        values.autorun,
        JSON.stringify(values.actuator),
        values.description,
        JSON.stringify(values.rules),
      ],
    );
    const { created, ...policy } = rows[0];
    return { policy, created };
  }

  async remove(bundleId: string): Promise<boolean> {
    const [, count] = await this.db.query<[unknown[], number]>(
      `DELETE FROM "scaler"."policies" WHERE "bundle_id" = $1`,
      [bundleId],
    );
    return count > 0;
  }
}
