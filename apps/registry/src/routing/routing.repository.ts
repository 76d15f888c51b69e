import type { PayloadKind } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** A route of the table, before the service adds each instance's requests subject. */
export interface RouteRow {
  payload: string;
  kind: PayloadKind;
  bundleId: string;
  componentName: string;
  handlerType: string;
  aggregateIdProperty: string | null;
  instances: Array<{ instanceId: string; bundleVersion: string }>;
}

/** Handler types whose payloads the gateway routes to one instance: commands and queries. */
export const ROUTED_HANDLER_TYPES = ['aggregate-command', 'service-command', 'query'];

@Injectable()
export class RoutingRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Numbers a change that has committed: every replica draws from the same sequence. */
  async nextVersion(): Promise<number> {
    const [row] = await this.db.query<Array<{ version: number }>>(
      `SELECT nextval('"registry"."routing_version"')::float8 AS "version"`,
    );
    return row.version;
  }

  /** The latest number drawn (0 before the first change). */
  async currentVersion(): Promise<number> {
    const [row] = await this.db.query<Array<{ version: number }>>(
      `SELECT (CASE WHEN "is_called" THEN "last_value" ELSE 0 END)::float8 AS "version" FROM "registry"."routing_version"`,
    );
    return row.version;
  }

  /**
   * Each routed payload with the available instances of the bundle that owns it: a handler of a
   * payload another bundle owns (kept from before a transfer, or from before ownership existed)
   * is never routed. The lease is checked here too, so an instance that stopped beating leaves
   * routing even before a sweep runs.
   */
  async routes(bundleId?: string): Promise<RouteRow[]> {
    return this.db.query<RouteRow[]>(
      `SELECT h."payload", p."kind", h."bundle_id" AS "bundleId", h."component_name" AS "componentName",
              h."handler_type" AS "handlerType",
              CASE WHEN p."kind" = 'domain-command' THEN p."aggregate_id_property" END AS "aggregateIdProperty",
              COALESCE(
                (SELECT json_agg(json_build_object('instanceId', i."instance_id", 'bundleVersion', i."bundle_version")
                                 ORDER BY i."instance_id")
                   FROM "registry"."instances" i
                  WHERE i."bundle_id" = h."bundle_id" AND i."status" = 'available'
                    AND i."lease_expires_at" > now()),
                '[]'::json) AS "instances"
         FROM "registry"."handlers" h
         JOIN "registry"."payloads" p ON p."bundle_id" = h."bundle_id" AND p."name" = h."payload"
         JOIN "registry"."payload_owners" o ON o."payload" = h."payload" AND o."bundle_id" = h."bundle_id"
        WHERE h."handler_type" = ANY($1::text[]) AND ($2::text IS NULL OR h."bundle_id" = $2)
        ORDER BY h."payload", h."bundle_id", h."component_name"`,
      [ROUTED_HANDLER_TYPES, bundleId ?? null],
    );
  }
}
