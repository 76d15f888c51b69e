import type { ConsumerReport } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface ConsumerInstanceRow {
  instanceId: string;
  active: boolean;
  cursor: string | null;
  lag: number | null;
  deadEvents: number | null;
  reportedAt: string;
}

export interface ConsumerRow {
  bundle_id: string;
  consumer_id: string;
  component_name: string;
  component_type: string;
  version: number;
  context: string;
  active_instance_id: string | null;
  dead_events: number | null;
  instances: ConsumerInstanceRow[];
  total: number;
}

/**
 * Consumer rows of sessions that are still live: same session as the instance row, lease not
 * run out. Rows of a left session are dropped by a trigger; this also hides those the sweep has
 * not reached yet.
 */
const LIVE_CONSUMERS = `
  SELECT c.* FROM "registry"."consumers" c
    JOIN "registry"."instances" i ON i."instance_id" = c."instance_id" AND i."session_id" = c."session_id"
   WHERE i."status" <> 'gone' AND i."lease_expires_at" > now()`;

/** The only place that touches registry.consumers. */
@Injectable()
export class ConsumersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Replaces the consumers the session reported before. Returns the bundle id, or null when
   * the session is not live. The instance row is share-locked, so a supersede or a goodbye
   * waits for the report and its trigger then drops the rows.
   */
  async report(instanceId: string, sessionId: string, consumers: ConsumerReport[]): Promise<string | null> {
    const rows = consumers.map((c) => ({
      consumer_id: c.consumerId,
      component_name: c.componentName,
      component_type: c.componentType,
      version: c.version,
      context: c.context,
      active: c.active,
      cursor: c.cursor ?? null,
      lag: c.lag ?? null,
      dead_events: c.deadEvents ?? null,
    }));
    return this.db.transaction(async (tx) => {
      const live = await tx.query<Array<{ bundle_id: string }>>(
        `SELECT "bundle_id" FROM "registry"."instances"
          WHERE "instance_id" = $1 AND "session_id" = $2 AND "status" <> 'gone' AND "lease_expires_at" > now()
          FOR SHARE`,
        [instanceId, sessionId],
      );
      if (live.length === 0) return null;
      const bundleId = live[0].bundle_id;
      await tx.query(
        `DELETE FROM "registry"."consumers" WHERE "instance_id" = $1
           AND "consumer_id" <> ALL (SELECT x."consumer_id" FROM jsonb_to_recordset($2::jsonb) AS x("consumer_id" text))`,
        [instanceId, JSON.stringify(rows)],
      );
      await tx.query(
        `INSERT INTO "registry"."consumers"
           ("instance_id", "session_id", "bundle_id", "consumer_id", "component_name", "component_type", "version",
            "context", "active", "cursor", "lag", "dead_events", "reported_at")
         SELECT $1, $2, $3, x."consumer_id", x."component_name", x."component_type", x."version", x."context",
                x."active", x."cursor", x."lag", x."dead_events", now()
           FROM jsonb_to_recordset($4::jsonb) AS x("consumer_id" text, "component_name" text, "component_type" text,
                "version" int, "context" text, "active" boolean, "cursor" text, "lag" bigint, "dead_events" int)
         ON CONFLICT ("instance_id", "consumer_id") DO UPDATE SET
           "session_id" = EXCLUDED."session_id", "component_name" = EXCLUDED."component_name",
           "component_type" = EXCLUDED."component_type", "version" = EXCLUDED."version",
           "context" = EXCLUDED."context", "active" = EXCLUDED."active", "cursor" = EXCLUDED."cursor",
           "lag" = EXCLUDED."lag", "dead_events" = EXCLUDED."dead_events", "reported_at" = now()`,
        [instanceId, sessionId, bundleId, JSON.stringify(rows)],
      );
      return bundleId;
    });
  }

  /**
   * Consumers of live instances, one row per bundle and consumer id, with every instance that
   * runs it and the active one (the latest to report itself active, should two briefly claim it).
   */
  async list(filter: {
    bundleId?: string;
    consumerId?: string;
    limit: number;
    offset: number;
  }): Promise<ConsumerRow[]> {
    return this.db.query<ConsumerRow[]>(
      `WITH live AS (${LIVE_CONSUMERS}
          AND ($1::text IS NULL OR c."bundle_id" = $1) AND ($2::text IS NULL OR c."consumer_id" = $2))
       SELECT "bundle_id", "consumer_id",
              (array_agg("component_name" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "component_name",
              (array_agg("component_type" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "component_type",
              (array_agg("version" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "version",
              (array_agg("context" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "context",
              (array_agg("instance_id" ORDER BY "reported_at" DESC) FILTER (WHERE "active"))[1] AS "active_instance_id",
              COALESCE((array_agg("dead_events" ORDER BY "reported_at" DESC) FILTER (WHERE "active"))[1],
                       max("dead_events")) AS "dead_events",
              json_agg(json_build_object('instanceId', "instance_id", 'active', "active", 'cursor', "cursor",
                'lag', "lag", 'deadEvents', "dead_events", 'reportedAt', "reported_at") ORDER BY "instance_id")
                AS "instances",
              (count(*) OVER ())::int AS "total"
         FROM live
        GROUP BY "bundle_id", "consumer_id"
        ORDER BY "bundle_id", "consumer_id"
        LIMIT $3 OFFSET $4`,
      [filter.bundleId ?? null, filter.consumerId ?? null, filter.limit, filter.offset],
    );
  }

  /** Distinct consumers of live instances, and how many of them have dead events (by any report). */
  async counts(): Promise<{ consumers: number; withDeadEvents: number }> {
    const [row] = await this.db.query<Array<{ consumers: number; with_dead_events: number }>>(
      `WITH live AS (${LIVE_CONSUMERS}),
            per AS (SELECT "bundle_id", "consumer_id",
                           bool_or(COALESCE("dead_events", 0) > 0) AS "dead"
                      FROM live GROUP BY "bundle_id", "consumer_id")
       SELECT count(*)::int AS "consumers", (count(*) FILTER (WHERE "dead"))::int AS "with_dead_events" FROM per`,
    );
    return { consumers: row.consumers, withDeadEvents: row.with_dead_events };
  }
}
