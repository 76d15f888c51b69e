import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ActuatorView, PolicyView, ScalingRuleView } from './dto/policy.dto';

interface PolicyRow {
  bundle_id: string;
  enabled: boolean;
  min_instances: number;
  max_instances: number;
  step: number;
  cooldown_up_ms: number;
  cooldown_down_ms: number;
  start_timeout_ms: number;
  drain_timeout_ms: number;
  autorun: boolean;
  actuator: ActuatorView;
  rules: ScalingRuleView[] | null;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

export type PolicyValues = Omit<PolicyView, 'createdAt' | 'updatedAt'>;

function toView(row: PolicyRow): PolicyView {
  return {
    bundleId: row.bundle_id,
    enabled: row.enabled,
    minInstances: row.min_instances,
    maxInstances: row.max_instances,
    step: row.step,
    cooldownUpMs: row.cooldown_up_ms,
    cooldownDownMs: row.cooldown_down_ms,
    startTimeoutMs: row.start_timeout_ms,
    drainTimeoutMs: row.drain_timeout_ms,
    autorun: row.autorun,
    actuator: row.actuator,
    rules: row.rules ?? [],
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The only place that touches scaler.policies. */
@Injectable()
export class PoliciesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(): Promise<PolicyView[]> {
    const rows = await this.db.query<PolicyRow[]>(`SELECT * FROM "scaler"."policies" ORDER BY "bundle_id"`);
    return rows.map(toView);
  }

  async enabled(): Promise<PolicyView[]> {
    const rows = await this.db.query<PolicyRow[]>(
      `SELECT * FROM "scaler"."policies" WHERE "enabled" ORDER BY "bundle_id"`,
    );
    return rows.map(toView);
  }

  async find(bundleId: string): Promise<PolicyView | null> {
    const rows = await this.db.query<PolicyRow[]>(`SELECT * FROM "scaler"."policies" WHERE "bundle_id" = $1`, [
      bundleId,
    ]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Creates or replaces; returns the stored policy and whether it is new. */
  async upsert(values: PolicyValues): Promise<{ policy: PolicyView; created: boolean }> {
    const rows = await this.db.query<Array<PolicyRow & { created: boolean }>>(
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
       RETURNING *, (xmax = 0) AS "created"`,
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
    return { policy: toView(rows[0]), created: rows[0].created };
  }

  async remove(bundleId: string): Promise<boolean> {
    const [, count] = await this.db.query<[unknown[], number]>(
      `DELETE FROM "scaler"."policies" WHERE "bundle_id" = $1`,
      [bundleId],
    );
    return count > 0;
  }
}
