import type { HelloRequest, InstanceStatus } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface InstanceRow {
  instance_id: string;
  bundle_id: string;
  bundle_version: string;
  status: InstanceStatus;
  host: string;
  pid: number;
  pod: string | null;
  node: string | null;
  registry_instance_id: string;
  joined_at: Date;
  last_heartbeat_at: Date;
  lease_expires_at: Date;
  left_at: Date | null;
  left_reason: string | null;
}

/** What the registry knows of a session it was asked about. */
export interface SessionLookup {
  session_id: string;
  bundle_id: string;
  bundle_version: string;
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
      const existing = await tx.query<Array<{ bundle_id: string; status: InstanceStatus; live: boolean }>>(
        `SELECT "bundle_id", "status", (${LIVE}) AS "live"
           FROM "registry"."instances" WHERE "instance_id" = $1 FOR UPDATE`,
        [hello.instanceId],
      );
      const previous = existing[0];
      if (previous?.live && previous.bundle_id !== hello.bundleId) {
        return { kind: 'taken', bundleId: previous.bundle_id };
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
      `SELECT "session_id", "bundle_id", "bundle_version", "status", (${LIVE}) AS "live" FROM "registry"."instances" WHERE "instance_id" = $1`,
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
      const rows = await tx.query<Array<{ status: InstanceStatus; bundle_id: string }>>(
        `SELECT "status", "bundle_id" FROM "registry"."instances"
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
      return { before: rows[0].status, after: to, bundleId: rows[0].bundle_id };
    });
  }

  /**
   * Marks every instance whose lease expired as gone. Row locks make each expiry reported by
   * exactly one replica, even when several sweep at once.
   */
  async expireLeases(): Promise<Array<{ instance_id: string; bundle_id: string }>> {
    const [rows] = await this.db.query<[Array<{ instance_id: string; bundle_id: string }>, number]>(
      `UPDATE "registry"."instances"
          SET "status" = 'gone', "left_at" = now(), "left_reason" = 'lease-expired'
        WHERE "status" <> 'gone' AND "lease_expires_at" <= now()
        RETURNING "instance_id", "bundle_id"`,
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
  async list(bundleId?: string): Promise<InstanceRow[]> {
    return this.db.query<InstanceRow[]>(
      `SELECT "instance_id", "bundle_id", "bundle_version",
              CASE WHEN "lease_expires_at" <= now() THEN 'gone' ELSE "status" END AS "status",
              "host", "pid", "pod", "node", "registry_instance_id", "joined_at", "last_heartbeat_at",
              "lease_expires_at", "left_at", COALESCE("left_reason",
                CASE WHEN "lease_expires_at" <= now() THEN 'lease-expired' END) AS "left_reason"
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
  async listLive(bundleId: string | undefined, includeGone: boolean, limit: number): Promise<InstanceRow[]> {
    return this.db.query<InstanceRow[]>(
      `SELECT "instance_id", "bundle_id", "bundle_version",
              CASE WHEN "lease_expires_at" <= now() THEN 'gone' ELSE "status" END AS "status",
              "host", "pid", "pod", "node", "registry_instance_id", "joined_at", "last_heartbeat_at",
              "lease_expires_at", "left_at", COALESCE("left_reason",
                CASE WHEN "lease_expires_at" <= now() THEN 'lease-expired' END) AS "left_reason"
         FROM "registry"."instances"
        WHERE ($1::text IS NULL OR "bundle_id" = $1) AND ($2 OR ${LIVE})
        ORDER BY "bundle_id", "instance_id"
        LIMIT $3`,
      [bundleId ?? null, includeGone, limit + 1],
    );
  }
}
