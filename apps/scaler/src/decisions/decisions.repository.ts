import type { DecisionOutcome, ScalingAction } from '@evento/contracts';
import { epochMs, isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Sql } from '../leader/leader-election';
import type { DecisionView } from './dto/decision.dto';

/** A pending operation, as the active scaler settles it. */
export interface OperationRow {
  id: string;
  decisionId: string;
  bundleId: string;
  kind: 'start' | 'drain';
  instanceId: string | null;
  state: string;
  /** When it was requested, in ms since the epoch. */
  requestedAtMs: number;
  expired: boolean;
  /** The decision's target instance count. */
  target: number;
}

export interface NewDecision {
  bundleId: string;
  action: ScalingAction;
  count: number;
  target: number;
  reason: string;
  inputs: object;
  actuator: string;
  outcome: DecisionOutcome;
  scalerInstanceId: string;
}

/** An OperationView of operation `o`. */
const OPERATION_VIEW = `json_build_object('operationId', o."id"::text, 'kind', o."kind", 'instanceId', o."instance_id",
  'state', o."state", 'requestedAt', ${isoTimestamp('o."requested_at"')}, 'finishedAt', ${isoTimestamp('o."finished_at"')},
  'matchedInstanceId', o."matched_instance_id", 'detail', o."detail")`;

/**
 * A DecisionView of decision `d` (of the statement's own table when written in a RETURNING
 * clause), with its operations when `operations` is true and none otherwise.
 */
function decisionColumns(d: string, operations: boolean): string {
  const list = operations
    ? `COALESCE((SELECT json_agg(${OPERATION_VIEW} ORDER BY o."id") FROM "scaler"."operations" o
                  WHERE o."decision_id" = ${d}."id"), '[]'::json)`
    : `'[]'::json`;
  return `${d}."id"::text AS "decisionId", ${d}."bundle_id" AS "bundleId", ${d}."action", ${d}."count", ${d}."target",
    ${d}."reason", ${d}."inputs", ${d}."actuator", ${d}."outcome", ${d}."output", ${d}."error",
    ${d}."scaler_instance_id" AS "scalerInstanceId", ${isoTimestamp(`${d}."created_at"`)} AS "createdAt",
    ${isoTimestamp(`${d}."finished_at"`)} AS "finishedAt", ${list} AS "operations"`;
}

/**
 * The only place that touches scaler.decisions and scaler.operations. Writes take the leader's
 * `sql` (its own connection, so a replica that lost the lock cannot write); reads use the pool.
 */
@Injectable()
export class DecisionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The database's clock (its transaction's start), in ms since the epoch: the one the cooldowns are measured on. */
  async now(sql: Sql): Promise<number> {
    const [row] = await sql<{ now: number }>(`SELECT ${epochMs('now()')} AS "now"`);
    return row.now;
  }

  async insert(sql: Sql, decision: NewDecision): Promise<DecisionView> {
    const finished = decision.outcome !== 'pending';
    const rows = await sql<DecisionView>(
      `INSERT INTO "scaler"."decisions"
         ("bundle_id", "action", "count", "target", "reason", "inputs", "actuator", "outcome", "scaler_instance_id",
          "finished_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $10 THEN now() END)
       RETURNING ${decisionColumns('"decisions"', false)}`,
      [
        decision.bundleId,
        decision.action,
        decision.count,
        decision.target,
        decision.reason,
        JSON.stringify(decision.inputs),
        decision.actuator,
        decision.outcome,
        decision.scalerInstanceId,
        finished,
      ],
    );
    return rows[0];
  }

  /** One pending operation per instance id; a null id is an instance the actuator names itself. */
  async addOperations(
    sql: Sql,
    decisionId: string,
    bundleId: string,
    kind: 'start' | 'drain',
    instanceIds: Array<string | null>,
    timeoutMs: number,
  ): Promise<void> {
    for (const instanceId of instanceIds) {
      await sql(
        `INSERT INTO "scaler"."operations" ("decision_id", "bundle_id", "kind", "instance_id", "expires_at")
         VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')`,
        [decisionId, bundleId, kind, instanceId, timeoutMs],
      );
    }
  }

  async finish(
    sql: Sql,
    decisionId: string,
    outcome: DecisionOutcome,
    output: string | null,
    error: string | null,
  ): Promise<DecisionView | null> {
    const rows = await sql<DecisionView>(
      `UPDATE "scaler"."decisions" SET "outcome" = $2, "output" = COALESCE($3, "output"), "error" = $4,
              "finished_at" = now()
        WHERE "id" = $1 AND "outcome" = 'pending'
        RETURNING ${decisionColumns('"decisions"', false)}`,
      [decisionId, outcome, output, error],
    );
    return rows[0] ?? null;
  }

  /** The operations of a decision no longer count (its actuator failed). */
  async failOperations(sql: Sql, decisionId: string, detail: string): Promise<void> {
    await sql(
      `UPDATE "scaler"."operations" SET "state" = 'failed', "finished_at" = now(), "detail" = $2
        WHERE "decision_id" = $1 AND "state" = 'pending'`,
      [decisionId, detail],
    );
  }

  async pendingOperations(sql: Sql, bundleId: string): Promise<OperationRow[]> {
    return sql<OperationRow>(
      `SELECT o."id", o."decision_id" AS "decisionId", o."bundle_id" AS "bundleId", o."kind",
              o."instance_id" AS "instanceId", o."state", ${epochMs('o."requested_at"')} AS "requestedAtMs",
              (o."expires_at" <= now()) AS "expired", d."target"
         FROM "scaler"."operations" o JOIN "scaler"."decisions" d ON d."id" = o."decision_id"
        WHERE o."bundle_id" = $1 AND o."state" = 'pending'
        ORDER BY o."id"`,
      [bundleId],
    );
  }

  /** Instances already matched to a start, so one instance never settles two starts. */
  async matchedInstances(sql: Sql, bundleId: string): Promise<Set<string>> {
    const rows = await sql<{ matchedInstanceId: string }>(
      `SELECT "matched_instance_id" AS "matchedInstanceId" FROM "scaler"."operations"
        WHERE "bundle_id" = $1 AND "kind" = 'start' AND "matched_instance_id" IS NOT NULL
          AND "finished_at" > now() - interval '1 day'`,
      [bundleId],
    );
    return new Set(rows.map((row) => row.matchedInstanceId));
  }

  async settleOperation(
    sql: Sql,
    operationId: string,
    state: 'done' | 'expired' | 'failed',
    matchedInstanceId: string | null,
    detail: string | null,
  ): Promise<void> {
    await sql(
      `UPDATE "scaler"."operations" SET "state" = $2, "matched_instance_id" = $3, "detail" = $4, "finished_at" = now()
        WHERE "id" = $1 AND "state" = 'pending'`,
      [operationId, state, matchedInstanceId, detail],
    );
  }

  /**
   * Pending decisions whose outcome the operations tell: drains (the instances left or not),
   * and starts decided by a scaler that is gone (the instances came or did not). Returns the
   * decisions it finished.
   */
  async settleFromOperations(sql: Sql, bundleId: string, me: string): Promise<DecisionView[]> {
    return sql<DecisionView>(
      `UPDATE "scaler"."decisions" d
          SET "outcome" = CASE WHEN EXISTS (SELECT 1 FROM "scaler"."operations" o
                                             WHERE o."decision_id" = d."id" AND o."state" <> 'done')
                               THEN 'failed' ELSE 'succeeded' END,
              "error" = (SELECT string_agg(COALESCE(o."instance_id", 'an instance') || ': ' || o."state"
                                           || COALESCE(' (' || o."detail" || ')', ''), '; ')
                           FROM "scaler"."operations" o WHERE o."decision_id" = d."id" AND o."state" <> 'done'),
              "finished_at" = now()
        WHERE d."bundle_id" = $1 AND d."outcome" = 'pending'
          AND (d."scaler_instance_id" <> $2 OR (d."action" = 'down' AND d."actuator" = 'script'))
          AND EXISTS (SELECT 1 FROM "scaler"."operations" o WHERE o."decision_id" = d."id")
          AND NOT EXISTS (SELECT 1 FROM "scaler"."operations" o WHERE o."decision_id" = d."id" AND o."state" = 'pending')
        RETURNING ${decisionColumns('d', false)}`,
      [bundleId, me],
    );
  }

  /** Pending decisions of a scaler that is gone and that no operation will ever settle. */
  async abandonForeign(sql: Sql, me: string): Promise<DecisionView[]> {
    return sql<DecisionView>(
      `UPDATE "scaler"."decisions" d
          SET "outcome" = 'failed', "error" = 'the scaler that decided stopped before the outcome was known',
              "finished_at" = now()
        WHERE d."outcome" = 'pending' AND d."scaler_instance_id" <> $1
          AND NOT EXISTS (SELECT 1 FROM "scaler"."operations" o WHERE o."decision_id" = d."id")
        RETURNING ${decisionColumns('d', false)}`,
      [me],
    );
  }

  /** When the bundle last scaled up and down (failed attempts do not count), in ms since the epoch. */
  async lastScaling(sql: Sql, bundleId: string): Promise<{ up?: number; down?: number }> {
    const rows = await sql<{ up: number | null; down: number | null }>(
      `SELECT ${epochMs(`max("created_at") FILTER (WHERE "action" = 'up')`)} AS "up",
              ${epochMs(`max("created_at") FILTER (WHERE "action" = 'down')`)} AS "down"
         FROM "scaler"."decisions"
        WHERE "bundle_id" = $1 AND "action" IN ('up', 'down') AND "outcome" <> 'failed'`,
      [bundleId],
    );
    return { up: rows[0]?.up ?? undefined, down: rows[0]?.down ?? undefined };
  }

  /** Failed actuator attempts in a row (newest first) and when the last one finished. */
  async failuresInARow(sql: Sql, bundleId: string): Promise<{ count: number; lastAt?: number }> {
    const rows = await sql<{ outcome: DecisionOutcome; finishedAtMs: number | null }>(
      `SELECT "outcome", ${epochMs('"finished_at"')} AS "finishedAtMs" FROM "scaler"."decisions"
        WHERE "bundle_id" = $1 AND "action" IN ('up', 'down') AND "outcome" <> 'pending'
        ORDER BY "id" DESC LIMIT 32`,
      [bundleId],
    );
    let count = 0;
    while (count < rows.length && rows[count].outcome === 'failed') count += 1;
    return { count, lastAt: count > 0 ? (rows[0].finishedAtMs ?? undefined) : undefined };
  }

  async list(bundleId: string | undefined, limit: number, beforeId: string | undefined): Promise<DecisionView[]> {
    return this.db.query<DecisionView[]>(
      `SELECT ${decisionColumns('d', false)} FROM "scaler"."decisions" d
        WHERE ($1::text IS NULL OR d."bundle_id" = $1) AND ($2::bigint IS NULL OR d."id" < $2)
        ORDER BY d."id" DESC LIMIT $3`,
      [bundleId ?? null, beforeId ?? null, limit],
    );
  }

  /** A decision with its operations. */
  async get(decisionId: string): Promise<DecisionView | null> {
    const rows = await this.db.query<DecisionView[]>(
      `SELECT ${decisionColumns('d', true)} FROM "scaler"."decisions" d WHERE d."id" = $1`,
      [decisionId],
    );
    return rows[0] ?? null;
  }

  /** Forgets finished decisions (and their operations) older than the retention. */
  async prune(retentionMs: number): Promise<void> {
    await this.db.query(
      `DELETE FROM "scaler"."decisions"
        WHERE "outcome" <> 'pending' AND "created_at" < now() - $1 * interval '1 millisecond'`,
      [retentionMs],
    );
  }
}
