import type { BundleDescriptor } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type OwnedElsewhere, OwnershipRepository } from '../ownership/ownership.repository';

export interface BundleRow {
  bundle_id: string;
  bundle_version: string;
  description: string | null;
  detail: string | null;
  repository_url: string | null;
  line_prefix: string | null;
  discovered_at: Date | null;
  updated_at: Date;
  live_instances: number;
  components: number;
  handlers: number;
  payloads: number;
}

export interface ComponentRow {
  name: string;
  type: string;
  description: string | null;
  path: string | null;
  line: number | null;
}

export interface HandlerRow {
  component_name: string;
  handler_type: string;
  payload: string;
  return_type: string | null;
  returns_many: boolean;
  association_property: string | null;
  line: number | null;
  invoked_commands: string[];
  invoked_queries: string[];
}

export interface PayloadRow {
  bundle_id: string;
  name: string;
  kind: string;
  json_schema: Record<string, unknown> | null;
  domain: string | null;
  description: string | null;
  detail: string | null;
  aggregate_id_property: string | null;
  /** The bundle that owns the payload name (this one or another), null when none does. */
  owner: string | null;
}

export interface PayloadUsageRow {
  bundle_id: string;
  component_name: string;
  component_type: string;
  handler_type: string;
  payload: string;
  return_type: string | null;
  returns_many: boolean;
  association_property: string | null;
  handles: boolean;
  returns: boolean;
  invokes_as_command: boolean;
  invokes_as_query: boolean;
}

export interface CatalogCounts {
  components: number;
  handlers: number;
  payloads: number;
}

/** Every column of a payload row, for a query over `registry.payloads p`. */
const PAYLOAD_COLUMNS = `p."bundle_id", p."name", p."kind", p."json_schema", p."domain", p."description", p."detail",
  p."aggregate_id_property",
  (SELECT o."bundle_id" FROM "registry"."payload_owners" o WHERE o."payload" = p."name") AS "owner"`;

/** Thrown inside the replace transaction to roll it back when the descriptor claims owned payloads. */
class ClaimsRefused extends Error {
  constructor(readonly refused: OwnedElsewhere[]) {
    super('payloads owned by other bundles');
  }
}

/** Live = not gone and the lease has not run out (the sweep may not have marked it yet). */
const LIVE_INSTANCES = `(SELECT count(*)::int FROM "registry"."instances" i
  WHERE i."bundle_id" = b."bundle_id" AND i."status" <> 'gone' AND i."lease_expires_at" > now())`;

/** The only place that touches the catalog tables. */
@Injectable()
export class CatalogRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ownership: OwnershipRepository,
  ) {}

  /**
   * Replaces what the bundle reported before, in one transaction: rows it reports again are
   * updated, rows it no longer reports are deleted. The upsert of the bundle row locks it first,
   * so two instances of one bundle discovering at once take turns instead of interleaving.
   *
   * `claims` are the payloads the descriptor takes (sorted): those nobody owns become the
   * bundle's; when another bundle owns one, nothing is written and they are returned as refused.
   */
  async replace(
    bundleId: string,
    bundleVersion: string,
    descriptor: BundleDescriptor,
    claims: string[],
  ): Promise<CatalogCounts | { refused: OwnedElsewhere[] }> {
    try {
      return await this.write(bundleId, bundleVersion, descriptor, claims);
    } catch (error) {
      if (error instanceof ClaimsRefused) return { refused: error.refused };
      throw error;
    }
  }

  private async write(
    bundleId: string,
    bundleVersion: string,
    descriptor: BundleDescriptor,
    claims: string[],
  ): Promise<CatalogCounts> {
    const components = descriptor.components.map((c) => ({
      name: c.name,
      type: c.type,
      description: c.description ?? null,
      path: c.path ?? null,
      line: c.line ?? null,
    }));
    const handlers = descriptor.components.flatMap((c) =>
      c.handlers.map((h) => ({
        component_name: c.name,
        handler_type: h.handlerType,
        payload: h.payload,
        return_type: h.returnType ?? null,
        returns_many: h.returnsMany ?? false,
        association_property: h.associationProperty ?? null,
        line: h.line ?? null,
        invoked_commands: h.invokedCommands ?? [],
        invoked_queries: h.invokedQueries ?? [],
      })),
    );
    const payloads = descriptor.payloads.map((p) => ({
      name: p.name,
      kind: p.kind,
      json_schema: p.schema ?? null,
      domain: p.domain ?? null,
      description: p.description ?? null,
      detail: p.detail ?? null,
      aggregate_id_property: p.aggregateIdProperty ?? null,
    }));
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO "registry"."bundles"
           ("bundle_id", "bundle_version", "description", "detail", "repository_url", "line_prefix", "discovered_at")
         VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT ("bundle_id") DO UPDATE SET
           "bundle_version" = EXCLUDED."bundle_version", "description" = EXCLUDED."description",
           "detail" = EXCLUDED."detail", "repository_url" = EXCLUDED."repository_url",
           "line_prefix" = EXCLUDED."line_prefix", "discovered_at" = now(), "updated_at" = now()`,
        [
          bundleId,
          bundleVersion,
          descriptor.description ?? null,
          descriptor.detail ?? null,
          descriptor.repositoryUrl ?? null,
          descriptor.linePrefix ?? null,
        ],
      );
      const refused = await this.ownership.claim(tx, bundleId, claims);
      if (refused.length > 0) throw new ClaimsRefused(refused);

      // Components first (handlers reference them); deleting a component cascades to its handlers.
      await tx.query(
        `DELETE FROM "registry"."components" WHERE "bundle_id" = $1
           AND "name" <> ALL (SELECT x."name" FROM jsonb_to_recordset($2::jsonb) AS x("name" text))`,
        [bundleId, JSON.stringify(components)],
      );
      await tx.query(
        `INSERT INTO "registry"."components" ("bundle_id", "name", "type", "description", "path", "line")
         SELECT $1, x."name", x."type", x."description", x."path", x."line"
           FROM jsonb_to_recordset($2::jsonb) AS x("name" text, "type" text, "description" text, "path" text, "line" int)
         ON CONFLICT ("bundle_id", "name") DO UPDATE SET "type" = EXCLUDED."type",
           "description" = EXCLUDED."description", "path" = EXCLUDED."path", "line" = EXCLUDED."line"`,
        [bundleId, JSON.stringify(components)],
      );
      await tx.query(
        `DELETE FROM "registry"."handlers" h WHERE h."bundle_id" = $1
           AND NOT EXISTS (
             SELECT 1 FROM jsonb_to_recordset($2::jsonb)
                        AS x("component_name" text, "handler_type" text, "payload" text)
              WHERE x."component_name" = h."component_name" AND x."handler_type" = h."handler_type"
                AND x."payload" = h."payload")`,
        [bundleId, JSON.stringify(handlers)],
      );
      await tx.query(
        `INSERT INTO "registry"."handlers"
           ("bundle_id", "component_name", "handler_type", "payload", "return_type", "returns_many",
            "association_property", "line", "invoked_commands", "invoked_queries")
         SELECT $1, x."component_name", x."handler_type", x."payload", x."return_type", x."returns_many",
                x."association_property", x."line",
                ARRAY(SELECT jsonb_array_elements_text(x."invoked_commands")),
                ARRAY(SELECT jsonb_array_elements_text(x."invoked_queries"))
           FROM jsonb_to_recordset($2::jsonb) AS x("component_name" text, "handler_type" text, "payload" text,
                "return_type" text, "returns_many" boolean, "association_property" text, "line" int,
                "invoked_commands" jsonb, "invoked_queries" jsonb)
         ON CONFLICT ("bundle_id", "component_name", "handler_type", "payload") DO UPDATE SET
           "return_type" = EXCLUDED."return_type", "returns_many" = EXCLUDED."returns_many",
           "association_property" = EXCLUDED."association_property", "line" = EXCLUDED."line",
           "invoked_commands" = EXCLUDED."invoked_commands", "invoked_queries" = EXCLUDED."invoked_queries"`,
        [bundleId, JSON.stringify(handlers)],
      );
      await tx.query(
        `DELETE FROM "registry"."payloads" WHERE "bundle_id" = $1
           AND "name" <> ALL (SELECT x."name" FROM jsonb_to_recordset($2::jsonb) AS x("name" text))`,
        [bundleId, JSON.stringify(payloads)],
      );
      await tx.query(
        `INSERT INTO "registry"."payloads"
           ("bundle_id", "name", "kind", "json_schema", "domain", "description", "detail", "aggregate_id_property")
         SELECT $1, x."name", x."kind", x."json_schema", x."domain", x."description", x."detail",
                x."aggregate_id_property"
           FROM jsonb_to_recordset($2::jsonb) AS x("name" text, "kind" text, "json_schema" jsonb, "domain" text,
                "description" text, "detail" text, "aggregate_id_property" text)
         ON CONFLICT ("bundle_id", "name") DO UPDATE SET "kind" = EXCLUDED."kind",
           "json_schema" = EXCLUDED."json_schema", "domain" = EXCLUDED."domain",
           "description" = EXCLUDED."description", "detail" = EXCLUDED."detail",
           "aggregate_id_property" = EXCLUDED."aggregate_id_property"`,
        [bundleId, JSON.stringify(payloads)],
      );
      return { components: components.length, handlers: handlers.length, payloads: payloads.length };
    });
  }

  async bundles(bundleId?: string): Promise<BundleRow[]> {
    return this.db.query<BundleRow[]>(
      `SELECT b."bundle_id", b."bundle_version", b."description", b."detail", b."repository_url", b."line_prefix",
              b."discovered_at", b."updated_at", ${LIVE_INSTANCES} AS "live_instances",
              (SELECT count(*)::int FROM "registry"."components" c WHERE c."bundle_id" = b."bundle_id") AS "components",
              (SELECT count(*)::int FROM "registry"."handlers" h WHERE h."bundle_id" = b."bundle_id") AS "handlers",
              (SELECT count(*)::int FROM "registry"."payloads" p WHERE p."bundle_id" = b."bundle_id") AS "payloads"
         FROM "registry"."bundles" b
        WHERE $1::text IS NULL OR b."bundle_id" = $1
        ORDER BY b."bundle_id"`,
      [bundleId ?? null],
    );
  }

  async components(bundleId: string): Promise<ComponentRow[]> {
    return this.db.query<ComponentRow[]>(
      `SELECT "name", "type", "description", "path", "line" FROM "registry"."components"
        WHERE "bundle_id" = $1 ORDER BY "name"`,
      [bundleId],
    );
  }

  async handlers(bundleId: string): Promise<HandlerRow[]> {
    return this.db.query<HandlerRow[]>(
      `SELECT "component_name", "handler_type", "payload", "return_type", "returns_many", "association_property",
              "line", "invoked_commands", "invoked_queries"
         FROM "registry"."handlers" WHERE "bundle_id" = $1 ORDER BY "component_name", "handler_type", "payload"`,
      [bundleId],
    );
  }

  async payloads(bundleId?: string): Promise<PayloadRow[]> {
    return this.db.query<PayloadRow[]>(
      `SELECT ${PAYLOAD_COLUMNS}
         FROM "registry"."payloads" p WHERE $1::text IS NULL OR p."bundle_id" = $1 ORDER BY p."name", p."bundle_id"`,
      [bundleId ?? null],
    );
  }

  /** Payloads of every bundle, filtered and paged, with the total. */
  async payloadPage(filter: {
    bundleId?: string;
    kind?: string;
    limit: number;
    offset: number;
  }): Promise<Array<PayloadRow & { total: number }>> {
    return this.db.query(
      `SELECT ${PAYLOAD_COLUMNS}, (count(*) OVER ())::int AS "total"
         FROM "registry"."payloads" p
        WHERE ($1::text IS NULL OR p."bundle_id" = $1) AND ($2::text IS NULL OR p."kind" = $2)
        ORDER BY p."name", p."bundle_id" LIMIT $3 OFFSET $4`,
      [filter.bundleId ?? null, filter.kind ?? null, filter.limit, filter.offset],
    );
  }

  /**
   * The declarations of one payload name whose JSON Schema counts, with the schema (null when
   * none): the owner's alone when the owner declares it (another bundle's declaration of an owned
   * payload must not change what its owner accepts), else every bundle's.
   */
  async payloadSchemas(name: string): Promise<Array<Pick<PayloadRow, 'bundle_id' | 'json_schema'>>> {
    return this.db.query<Array<Pick<PayloadRow, 'bundle_id' | 'json_schema'>>>(
      `SELECT p."bundle_id", p."json_schema" FROM "registry"."payloads" p
        WHERE p."name" = $1
          AND (p."bundle_id" IN (SELECT o."bundle_id" FROM "registry"."payload_owners" o WHERE o."payload" = $1)
               OR NOT EXISTS (
                 SELECT 1 FROM "registry"."payload_owners" o
                   JOIN "registry"."payloads" q ON q."bundle_id" = o."bundle_id" AND q."name" = o."payload"
                  WHERE o."payload" = $1))
        ORDER BY p."bundle_id"`,
      [name],
    );
  }

  /** Components of every bundle, filtered and paged, with how many handlers each has. */
  async componentPage(filter: {
    bundleId?: string;
    type?: string;
    limit: number;
    offset: number;
  }): Promise<Array<ComponentRow & { bundle_id: string; handlers: number; total: number }>> {
    return this.db.query(
      `SELECT c."bundle_id", c."name", c."type", c."description", c."path", c."line",
              (SELECT count(*)::int FROM "registry"."handlers" h
                WHERE h."bundle_id" = c."bundle_id" AND h."component_name" = c."name") AS "handlers",
              (count(*) OVER ())::int AS "total"
         FROM "registry"."components" c
        WHERE ($1::text IS NULL OR c."bundle_id" = $1) AND ($2::text IS NULL OR c."type" = $2)
        ORDER BY c."bundle_id", c."name" LIMIT $3 OFFSET $4`,
      [filter.bundleId ?? null, filter.type ?? null, filter.limit, filter.offset],
    );
  }

  async component(bundleId: string, name: string): Promise<ComponentRow | undefined> {
    const rows = await this.db.query<ComponentRow[]>(
      `SELECT "name", "type", "description", "path", "line" FROM "registry"."components"
        WHERE "bundle_id" = $1 AND "name" = $2`,
      [bundleId, name],
    );
    return rows[0];
  }

  /** Handlers of every bundle, filtered and paged. */
  async handlerPage(filter: {
    bundleId?: string;
    componentName?: string;
    handlerType?: string;
    payload?: string;
    limit: number;
    offset: number;
  }): Promise<Array<HandlerRow & { bundle_id: string; total: number }>> {
    return this.db.query(
      `SELECT "bundle_id", "component_name", "handler_type", "payload", "return_type", "returns_many",
              "association_property", "line", "invoked_commands", "invoked_queries", (count(*) OVER ())::int AS "total"
         FROM "registry"."handlers"
        WHERE ($1::text IS NULL OR "bundle_id" = $1) AND ($2::text IS NULL OR "component_name" = $2)
          AND ($3::text IS NULL OR "handler_type" = $3) AND ($4::text IS NULL OR "payload" = $4)
        ORDER BY "bundle_id", "component_name", "handler_type", "payload" LIMIT $5 OFFSET $6`,
      [
        filter.bundleId ?? null,
        filter.componentName ?? null,
        filter.handlerType ?? null,
        filter.payload ?? null,
        filter.limit,
        filter.offset,
      ],
    );
  }

  /** Every handler that handles, returns or invokes the payload, with its component's type. */
  async payloadUsage(name: string): Promise<PayloadUsageRow[]> {
    return this.db.query<PayloadUsageRow[]>(
      `SELECT h."bundle_id", h."component_name", c."type" AS "component_type", h."handler_type", h."payload",
              h."return_type", h."returns_many", h."association_property",
              h."payload" = $1 AS "handles", h."return_type" = $1 AS "returns",
              $1 = ANY(h."invoked_commands") AS "invokes_as_command", $1 = ANY(h."invoked_queries") AS "invokes_as_query"
         FROM "registry"."handlers" h
         JOIN "registry"."components" c ON c."bundle_id" = h."bundle_id" AND c."name" = h."component_name"
        WHERE h."payload" = $1 OR h."return_type" = $1
           OR h."invoked_commands" @> ARRAY[$1]::text[] OR h."invoked_queries" @> ARRAY[$1]::text[]
        ORDER BY h."bundle_id", h."component_name", h."handler_type", h."payload"`,
      [name],
    );
  }

  /** Every bundle's declaration of one payload. */
  async payloadDeclarations(name: string): Promise<PayloadRow[]> {
    return this.db.query<PayloadRow[]>(
      `SELECT ${PAYLOAD_COLUMNS} FROM "registry"."payloads" p WHERE p."name" = $1 ORDER BY p."bundle_id"`,
      [name],
    );
  }

  /**
   * Removes a bundle and everything it reported, unless one of its instances is live, releasing
   * the payloads it owned (see `OwnershipRepository.release`). Returns 'absent' when there is no
   * such bundle.
   */
  async remove(
    bundleId: string,
  ): Promise<{ released: Array<{ payload: string; owner: string | null }> } | 'absent' | { live: number }> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ live_instances: number }>>(
        `SELECT ${LIVE_INSTANCES} AS "live_instances" FROM "registry"."bundles" b WHERE b."bundle_id" = $1 FOR UPDATE`,
        [bundleId],
      );
      if (rows.length === 0) return 'absent';
      if (rows[0].live_instances > 0) return { live: rows[0].live_instances };
      // Its payloads go first, so none can pass to it again from its own handler rows.
      const released = await this.ownership.release(tx, bundleId);
      await tx.query('DELETE FROM "registry"."bundles" WHERE "bundle_id" = $1', [bundleId]);
      return { released };
    });
  }
}
