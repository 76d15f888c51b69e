import type { HelloRequest, InstanceStatus, ListedInstance } from '@evento/contracts';
import { isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { InstanceDto } from './dto/cluster.dto';

/** What the registry knows of a session it was asked about. */
export interface SessionLookup {
  sessionId: string;
  bundleId: string;
  bundleVersion: string;
  status: InstanceStatus;
  live: boolean;
}

export type HelloOutcome =
  | { kind: 'welcome'; previousStatus: InstanceStatus | null; previousLive: boolean }
  | { kind: 'taken'; bundleId: string };

export interface TransitionResult {
  before: InstanceStatus;
  after: InstanceStatus;
  bundleId: string;
}

/**
 * "Live" everywhere below means: not gone and the lease has not expired. Reads check the lease
 * themselves, so an instance whose lease ran out counts as gone even before a sweep marked it.
 */
const LIVE = `"status" <> 'gone' AND "lease_expires_at" > now()`;

/** An instance as the scaler lists it (ListedInstance), with its effective status. */
const LISTED_COLUMNS = `"instance_id" AS "instanceId", "bundle_id" AS "bundleId", "bundle_version" AS "bundleVersion",
  CASE WHEN "lease_expires_at" <= now() THEN 'gone' ELSE "status" END AS "status", "host", "pid", "pod"`;
const TIME_COLUMNS = `${isoTimestamp('"joined_at"')} AS "joinedAt",
  ${isoTimestamp('"last_heartbeat_at"')} AS "lastHeartbeatAt", ${isoTimestamp('"lease_expires_at"')} AS "leaseExpiresAt",
  ${isoTimestamp('"left_at"')} AS "leftAt",
  COALESCE("left_reason", CASE WHEN "lease_expires_at" <= now() THEN 'lease-expired' END) AS "leftReason"`;

/** The only place that touches registry.instances (and creates bundle rows on hello). */
@Injectable()
export class InstancesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Records a hello: the bundle row exists afterwards, and the instance row carries the new
   * session (superseding any older one). Refused when a live instance of another bundle
   * holds the id, so one bundle cannot take over another's instance.
   */
  async hello(
    hello: HelloRequest,
    sessionId: string,
    leaseMs: number,
    registryInstanceId: string,
  ): Promise<HelloOutcome> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.query<Array<{ bundleId: string; status: InstanceStatus; live: boolean }>>(
        `SELECT "bundle_id" AS "bundleId", "status", (${LIVE}) AS "live"
           FROM "registry"."instances" WHERE "instance_id" = $1 FOR UPDATE`,
        [hello.instanceId],
      );
      const previous = existing[0];
      if (previous?.live && previous.bundleId !== hello.bundleId) {
        return { kind: 'taken', bundleId: previous.bundleId };
      }
      await tx.query(
        `INSERT INTO "registry"."bundles" ("bundle_id", "bundle_version") VALUES ($1, $2)
         ON CONFLICT ("bundle_id") DO UPDATE SET "bundle_version" = EXCLUDED."bundle_version", "updated_at" = now()`,
        [hello.bundleId, hello.bundleVersion],
      );
      await tx.query(
        `INSERT INTO "registry"."instances" AS i
           ("instance_id", "bundle_id", "bundle_version", "session_id", "status", "host", "pid", "pod", "node",
            "registry_instance_id", "joined_at", "last_heartbeat_at", "lease_expires_at")
         VALUES ($1, $2, $3, $4, 'joined', $5, $6, $7, $8, $9, now(), now(), now() + $10 * interval '1 millisecond')
         ON CONFLICT ("instance_id") DO UPDATE SET
           "bundle_id" = EXCLUDED."bundle_id", "bundle_version" = EXCLUDED."bundle_version",
           "session_id" = EXCLUDED."session_id", "status" = 'joined', "host" = EXCLUDED."host",
           "pid" = EXCLUDED."pid", "pod" = EXCLUDED."pod", "node" = EXCLUDED."node",
           "registry_instance_id" = EXCLUDED."registry_instance_id", "joined_at" = now(),
           "last_heartbeat_at" = now(), "lease_expires_at" = EXCLUDED."lease_expires_at",
           "left_at" = NULL, "left_reason" = NULL`,
        [
          hello.instanceId,
          hello.bundleId,
          hello.bundleVersion,
          sessionId,
          hello.location.host,
          hello.location.pid,
          hello.location.pod ?? null,
          hello.location.node ?? null,
          registryInstanceId,
          leaseMs,
        ],
      );
      return { kind: 'welcome', previousStatus: previous?.status ?? null, previousLive: previous?.live ?? false };
    });
  }

  /** Renews the lease of a live session; returns its status, or null when the session is not live. */
  async renew(instanceId: string, sessionId: string, leaseMs: number): Promise<InstanceStatus | null> {
    const [rows] = await this.db.query<[Array<{ status: InstanceStatus }>, number]>(
      `UPDATE "registry"."instances"
          SET "last_heartbeat_at" = now(), "lease_expires_at" = now() + $3 * interval '1 millisecond'
        WHERE "instance_id" = $1 AND "session_id" = $2 AND ${LIVE}
        RETURNING "status"`,
      [instanceId, sessionId, leaseMs],
    );
    return rows[0]?.status ?? null;
  }

  async lookup(instanceId: string): Promise<SessionLookup | null> {
    const rows = await this.db.query<SessionLookup[]>(
      `SELECT "session_id" AS "sessionId", "bundle_id" AS "bundleId", "bundle_version" AS "bundleVersion", "status",
              (${LIVE}) AS "live"
         FROM "registry"."instances" WHERE "instance_id" = $1`,
      [instanceId],
    );
    return rows[0] ?? null;
  }

  /**
   * Moves a live session to `to` and renews its lease (any message proves the instance is
   * alive). Returns null when the session is not live.
   */
  async transition(
    instanceId: string,
    sessionId: string,
    to: InstanceStatus,
    leaseMs: number,
  ): Promise<TransitionResult | null> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ status: InstanceStatus; bundleId: string }>>(
        `SELECT "status", "bundle_id" AS "bundleId" FROM "registry"."instances"
          WHERE "instance_id" = $1 AND "session_id" = $2 AND ${LIVE} FOR UPDATE`,
        [instanceId, sessionId],
      );
      if (rows.length === 0) return null;
      const gone = to === 'gone';
      await tx.query(
        `UPDATE "registry"."instances"
            SET "status" = $2, "last_heartbeat_at" = now(),
                "lease_expires_at" = CASE WHEN $3 THEN now() ELSE now() + $4 * interval '1 millisecond' END,
                "left_at" = CASE WHEN $3 THEN now() END,
                "left_reason" = CASE WHEN $3 THEN 'goodbye' END
          WHERE "instance_id" = $1`,
        [instanceId, to, gone, leaseMs],
      );
      return { before: rows[0].status, after: to, bundleId: rows[0].bundleId };
    });
  }

  /**
   * Marks every instance whose lease expired as gone. Row locks make each expiry reported by
   * exactly one replica, even when several sweep at once.
   */
  async expireLeases(): Promise<Array<{ instanceId: string; bundleId: string }>> {
    const [rows] = await this.db.query<[Array<{ instanceId: string; bundleId: string }>, number]>(
      `UPDATE "registry"."instances"
          SET "status" = 'gone', "left_at" = now(), "left_reason" = 'lease-expired'
        WHERE "status" <> 'gone' AND "lease_expires_at" <= now()
        RETURNING "instance_id" AS "instanceId", "bundle_id" AS "bundleId"`,
    );
    return rows;
  }

  /** Forgets instances that left longer ago than `retentionMs`, so the table does not grow forever. */
  async pruneGone(retentionMs: number): Promise<void> {
    await this.db.query(
      `DELETE FROM "registry"."instances"
        WHERE "status" = 'gone' AND "left_at" < now() - $1 * interval '1 millisecond'`,
      [retentionMs],
    );
  }

  /** Every instance with its effective status (an expired lease reads as gone). */
  async list(bundleId?: string): Promise<InstanceDto[]> {
    return this.db.query<InstanceDto[]>(
      `SELECT ${LISTED_COLUMNS}, "node", "registry_instance_id" AS "registryInstanceId", ${TIME_COLUMNS}
         FROM "registry"."instances"
        WHERE $1::text IS NULL OR "bundle_id" = $1
        ORDER BY "bundle_id", "instance_id"`,
      [bundleId ?? null],
    );
  }

  /**
   * Instances with their effective status, gone ones only when asked, at most `limit` + 1 rows
   * (the extra row tells the caller the list was cut).
   */
  async listLive(bundleId: string | undefined, includeGone: boolean, limit: number): Promise<ListedInstance[]> {
    return this.db.query<ListedInstance[]>(
      `SELECT ${LISTED_COLUMNS}, ${TIME_COLUMNS}
         FROM "registry"."instances"
        WHERE ($1::text IS NULL OR "bundle_id" = $1) AND ($2 OR ${LIVE})
        ORDER BY "bundle_id", "instance_id"
        LIMIT $3`,
      [bundleId ?? null, includeGone, limit + 1],
    );
  }
}
