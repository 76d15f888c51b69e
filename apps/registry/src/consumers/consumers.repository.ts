import type { ConsumerReport } from '@evento/contracts';
import { isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Paged } from '../common/page-query.dto';
import type { ConsumerDto } from './dto/consumers.dto';

/**
 * Consumer rows of sessions that are still live: same session as the instance row, lease not
 * run out. Rows of a left session are dropped by a trigger; this also hides those the sweep has
 * not reached yet.
 */
const LIVE_CONSUMERS = `
  SELECT c.* FROM "registry"."consumers" c
    JOIN "registry"."instances" i ON i."instance_id" = c."instance_id" AND i."session_id" = c."session_id"
   WHERE i."status" <> 'gone' AND i."lease_expires_at" > now()`;

/**
 * One ConsumerDto per bundle and consumer id of the `live` rows, with every instance that runs
 * it and the active one (the latest to report itself active, should two briefly claim it).
 */
const CONSUMER_COLUMNS = `"bundle_id" AS "bundleId", "consumer_id" AS "consumerId",
  (array_agg("component_name" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "componentName",
  (array_agg("component_type" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "componentType",
  (array_agg("version" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "version",
  (array_agg("context" ORDER BY "active" DESC, "reported_at" DESC))[1] AS "context",
  (array_agg("instance_id" ORDER BY "reported_at" DESC) FILTER (WHERE "active"))[1] AS "activeInstanceId",
  COALESCE((array_agg("dead_events" ORDER BY "reported_at" DESC) FILTER (WHERE "active"))[1],
           max("dead_events")) AS "deadEvents",
  json_agg(json_build_object('instanceId', "instance_id", 'active', "active", 'cursor', "cursor", 'lag', "lag",
    'deadEvents', "dead_events", 'reportedAt', ${isoTimestamp('"reported_at"')}) ORDER BY "instance_id") AS "instances"`;

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
    // The reports go in as JSON, read with their own keys; a key left out reads as NULL.
    const reports = JSON.stringify(consumers);
    return this.db.transaction(async (tx) => {
      const live = await tx.query<Array<{ bundleId: string }>>(
        `SELECT "bundle_id" AS "bundleId" FROM "registry"."instances"
          WHERE "instance_id" = $1 AND "session_id" = $2 AND "status" <> 'gone' AND "lease_expires_at" > now()
          FOR SHARE`,
        [instanceId, sessionId],
      );
      if (live.length === 0) return null;
      const bundleId = live[0].bundleId;
      await tx.query(
        `DELETE FROM "registry"."consumers" WHERE "instance_id" = $1
           AND "consumer_id" <> ALL (SELECT x."consumerId" FROM jsonb_to_recordset($2::jsonb) AS x("consumerId" text))`,
        [instanceId, reports],
      );
      await tx.query(
        `INSERT INTO "registry"."consumers"
           ("instance_id", "session_id", "bundle_id", "consumer_id", "component_name", "component_type", "version",
            "context", "active", "cursor", "lag", "dead_events", "reported_at")
         SELECT $1, $2, $3, x."consumerId", x."componentName", x."componentType", x."version", x."context",
                x."active", x."cursor", x."lag", x."deadEvents", now()
           FROM jsonb_to_recordset($4::jsonb) AS x("consumerId" text, "componentName" text, "componentType" text,
                "version" int, "context" text, "active" boolean, "cursor" text, "lag" bigint, "deadEvents" int)
         ON CONFLICT ("instance_id", "consumer_id") DO UPDATE SET
           "session_id" = EXCLUDED."session_id", "component_name" = EXCLUDED."component_name",
           "component_type" = EXCLUDED."component_type", "version" = EXCLUDED."version",
           "context" = EXCLUDED."context", "active" = EXCLUDED."active", "cursor" = EXCLUDED."cursor",
           "lag" = EXCLUDED."lag", "dead_events" = EXCLUDED."dead_events", "reported_at" = now()`,
        [instanceId, sessionId, bundleId, reports],
      );
      return bundleId;
    });
  }

  /** Consumers of live instances, a page of them with the total. */
  async list(filter: { bundleId?: string; limit: number; offset: number }): Promise<Array<Paged<ConsumerDto>>> {
    return this.db.query<Array<Paged<ConsumerDto>>>(
      `WITH live AS (${LIVE_CONSUMERS} AND ($1::text IS NULL OR c."bundle_id" = $1))
       SELECT ${CONSUMER_COLUMNS}, (count(*) OVER ())::int AS "total"
         FROM live
        GROUP BY "bundle_id", "consumer_id"
        ORDER BY "bundle_id", "consumer_id"
        LIMIT $2 OFFSET $3`,
      [filter.bundleId ?? null, filter.limit, filter.offset],
    );
  }

  /** One consumer of the bundle's live instances; undefined when none reports it. */
  async find(bundleId: string, consumerId: string): Promise<ConsumerDto | undefined> {
    const rows = await this.db.query<ConsumerDto[]>(
      `WITH live AS (${LIVE_CONSUMERS} AND c."bundle_id" = $1 AND c."consumer_id" = $2)
       SELECT ${CONSUMER_COLUMNS} FROM live GROUP BY "bundle_id", "consumer_id"`,
      [bundleId, consumerId],
    );
    return rows[0];
  }

  /** Distinct consumers of live instances, and how many of them have dead events (by any report). */
  async counts(): Promise<{ consumers: number; withDeadEvents: number }> {
    const [row] = await this.db.query<Array<{ consumers: number; withDeadEvents: number }>>(
      `WITH live AS (${LIVE_CONSUMERS}),
            per AS (SELECT "bundle_id", "consumer_id",
                           bool_or(COALESCE("dead_events", 0) > 0) AS "dead"
                      FROM live GROUP BY "bundle_id", "consumer_id")
       SELECT count(*)::int AS "consumers", (count(*) FILTER (WHERE "dead"))::int AS "withDeadEvents" FROM per`,
    );
    return row;
  }
}
