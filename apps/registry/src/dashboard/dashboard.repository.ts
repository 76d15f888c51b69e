import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface CatalogAndClusterCounts {
  bundles: number;
  presentBundles: number;
  handlers: number;
  componentsByType: Record<string, number>;
  payloadsByKind: Record<string, number>;
  instancesByStatus: Record<string, number>;
}

/** Counts over the catalog and the live view, in one statement (one consistent snapshot). */
@Injectable()
export class DashboardRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async counts(): Promise<CatalogAndClusterCounts> {
    const [row] = await this.db.query<CatalogAndClusterCounts[]>(
      `SELECT (SELECT count(*)::int FROM "registry"."bundles") AS "bundles",
              (SELECT count(DISTINCT "bundle_id")::int FROM "registry"."instances"
                WHERE "status" <> 'gone' AND "lease_expires_at" > now()) AS "presentBundles",
              (SELECT count(*)::int FROM "registry"."handlers") AS "handlers",
              COALESCE((SELECT json_object_agg("type", n) FROM
                  (SELECT "type", count(*)::int AS n FROM "registry"."components" GROUP BY "type") t), '{}') AS "componentsByType",
              COALESCE((SELECT json_object_agg("kind", n) FROM
                  (SELECT "kind", count(*)::int AS n FROM "registry"."payloads" GROUP BY "kind") k), '{}') AS "payloadsByKind",
              COALESCE((SELECT json_object_agg("status", n) FROM
                  (SELECT CASE WHEN "lease_expires_at" <= now() THEN 'gone' ELSE "status" END AS "status", count(*)::int AS n
                     FROM "registry"."instances" GROUP BY 1) s), '{}') AS "instancesByStatus"`,
    );
    return row;
  }
}
