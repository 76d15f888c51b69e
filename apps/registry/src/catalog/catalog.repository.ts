import type { BundleDescriptor } from '@evento/contracts';
import { isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Paged } from '../common/page-query.dto';
import { type OwnedElsewhere, OwnershipRepository } from '../ownership/ownership.repository';
import type {
  BundleHandlerDto,
  BundleSummaryDto,
  ComponentDto,
  ComponentSummaryDto,
  HandlerDto,
  PayloadDto,
  PayloadHandlerRefDto,
} from './dto/catalog.dto';

/** A payload of a bundle with the handlers that handle, return or invoke it, as PayloadDetailDto lists them. */
export interface PayloadUsageRow extends PayloadHandlerRefDto {
  handles: boolean;
  returns: boolean;
  invokesAsCommand: boolean;
  invokesAsQuery: boolean;
}

export interface CatalogCounts {
  components: number;
  handlers: number;
  payloads: number;
}

/** Thrown inside the replace transaction to roll it back when the descriptor claims owned payloads. */
class ClaimsRefused extends Error {
  constructor(readonly refused: OwnedElsewhere[]) {
    super('payloads owned by other bundles');
  }
}

/** Live instances of bundle `b`: not gone and the lease has not run out (the sweep may not have marked them yet). */
const LIVE_INSTANCES = `(SELECT count(*)::int FROM "registry"."instances" i
  WHERE i."bundle_id" = b."bundle_id" AND i."status" <> 'gone' AND i."lease_expires_at" > now())`;

/** A BundleSummaryDto of bundle `b` with its live instances counted in `live`. */
const BUNDLE_SUMMARY_COLUMNS = `b."bundle_id" AS "bundleId", b."bundle_version" AS "bundleVersion", b."description",
  b."repository_url" AS "repositoryUrl", b."line_prefix" AS "linePrefix",
  ${isoTimestamp('b."discovered_at"')} AS "discoveredAt", ${isoTimestamp('b."updated_at"')} AS "updatedAt",
  live.n AS "liveInstances", live.n > 0 AS "present",
  (SELECT count(*)::int FROM "registry"."components" c WHERE c."bundle_id" = b."bundle_id") AS "components",
  (SELECT count(*)::int FROM "registry"."handlers" h WHERE h."bundle_id" = b."bundle_id") AS "handlers",
  (SELECT count(*)::int FROM "registry"."payloads" p WHERE p."bundle_id" = b."bundle_id") AS "payloads"`;
const BUNDLES_FROM = `"registry"."bundles" b CROSS JOIN LATERAL (SELECT ${LIVE_INSTANCES} AS n) live`;

/** A ComponentDto of component `c`. */
const COMPONENT_COLUMNS = `c."name", c."type", c."description", c."path", c."line"`;

/** A HandlerDto of handler `h`. */
const HANDLER_COLUMNS = `h."component_name" AS "componentName", h."handler_type" AS "handlerType", h."payload",
  h."return_type" AS "returnType", h."returns_many" AS "returnsMany",
  h."association_property" AS "associationProperty", h."line", h."invoked_commands" AS "invokedCommands",
  h."invoked_queries" AS "invokedQueries"`;

/** A PayloadDto of payload `p`. */
const PAYLOAD_COLUMNS = `p."bundle_id" AS "bundleId", p."name", p."kind", p."domain", p."description", p."detail",
  p."json_schema" AS "jsonSchema", p."aggregate_id_property" AS "aggregateIdProperty",
  (SELECT o."bundle_id" FROM "registry"."payload_owners" o WHERE o."payload" = p."name") AS "owner"`;

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
   * The descriptor's lists go in as JSON, read with its own (camelCase) keys; a key it leaves
   * out reads as NULL.
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
    const components = JSON.stringify(descriptor.components.map(({ handlers: _handlers, ...component }) => component));
    const handlers = descriptor.components.flatMap((c) => c.handlers.map((h) => ({ ...h, componentName: c.name })));
    const payloads = descriptor.payloads;
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
        [bundleId, components],
      );
      await tx.query(
        `INSERT INTO "registry"."components" ("bundle_id", "name", "type", "description", "path", "line")
         SELECT $1, x."name", x."type", x."description", x."path", x."line"
           FROM jsonb_to_recordset($2::jsonb) AS x("name" text, "type" text, "description" text, "path" text, "line" int)
         ON CONFLICT ("bundle_id", "name") DO UPDATE SET "type" = EXCLUDED."type",
           "description" = EXCLUDED."description", "path" = EXCLUDED."path", "line" = EXCLUDED."line"`,
        [bundleId, components],
      );
      await tx.query(
        `DELETE FROM "registry"."handlers" h WHERE h."bundle_id" = $1
           AND NOT EXISTS (
             SELECT 1 FROM jsonb_to_recordset($2::jsonb)
                        AS x("componentName" text, "handlerType" text, "payload" text)
              WHERE x."componentName" = h."component_name" AND x."handlerType" = h."handler_type"
                AND x."payload" = h."payload")`,
        [bundleId, JSON.stringify(handlers)],
      );
      await tx.query(
        `INSERT INTO "registry"."handlers"
           ("bundle_id", "component_name", "handler_type", "payload", "return_type", "returns_many",
            "association_property", "line", "invoked_commands", "invoked_queries")
         SELECT $1, x."componentName", x."handlerType", x."payload", x."returnType", COALESCE(x."returnsMany", false),
                x."associationProperty", x."line",
                ARRAY(SELECT jsonb_array_elements_text(COALESCE(x."invokedCommands", '[]'))),
                ARRAY(SELECT jsonb_array_elements_text(COALESCE(x."invokedQueries", '[]')))
           FROM jsonb_to_recordset($2::jsonb) AS x("componentName" text, "handlerType" text, "payload" text,
                "returnType" text, "returnsMany" boolean, "associationProperty" text, "line" int,
                "invokedCommands" jsonb, "invokedQueries" jsonb)
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
         SELECT $1, x."name", x."kind", x."schema", x."domain", x."description", x."detail", x."aggregateIdProperty"
           FROM jsonb_to_recordset($2::jsonb) AS x("name" text, "kind" text, "schema" jsonb, "domain" text,
                "description" text, "detail" text, "aggregateIdProperty" text)
         ON CONFLICT ("bundle_id", "name") DO UPDATE SET "kind" = EXCLUDED."kind",
           "json_schema" = EXCLUDED."json_schema", "domain" = EXCLUDED."domain",
           "description" = EXCLUDED."description", "detail" = EXCLUDED."detail",
           "aggregate_id_property" = EXCLUDED."aggregate_id_property"`,
        [bundleId, JSON.stringify(payloads)],
      );
      return { components: descriptor.components.length, handlers: handlers.length, payloads: payloads.length };
    });
  }

  async bundles(): Promise<BundleSummaryDto[]> {
    return this.db.query<BundleSummaryDto[]>(
      `SELECT ${BUNDLE_SUMMARY_COLUMNS} FROM ${BUNDLES_FROM} ORDER BY b."bundle_id"`,
    );
  }

  async bundle(bundleId: string): Promise<(BundleSummaryDto & { detail: string | null }) | undefined> {
    const rows = await this.db.query<Array<BundleSummaryDto & { detail: string | null }>>(
      `SELECT ${BUNDLE_SUMMARY_COLUMNS}, b."detail" FROM ${BUNDLES_FROM} WHERE b."bundle_id" = $1`,
      [bundleId],
    );
    return rows[0];
  }

  async components(bundleId: string): Promise<ComponentDto[]> {
    return this.db.query<ComponentDto[]>(
      `SELECT ${COMPONENT_COLUMNS} FROM "registry"."components" c WHERE c."bundle_id" = $1 ORDER BY c."name"`,
      [bundleId],
    );
  }

  /** The bundle's handlers, of one component when given. */
  async handlers(bundleId: string, componentName?: string): Promise<HandlerDto[]> {
    return this.db.query<HandlerDto[]>(
      `SELECT ${HANDLER_COLUMNS} FROM "registry"."handlers" h
        WHERE h."bundle_id" = $1 AND ($2::text IS NULL OR h."component_name" = $2)
        ORDER BY h."component_name", h."handler_type", h."payload"`,
      [bundleId, componentName ?? null],
    );
  }

  async payloads(bundleId?: string): Promise<PayloadDto[]> {
    return this.db.query<PayloadDto[]>(
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
  }): Promise<Array<Paged<PayloadDto>>> {
    return this.db.query<Array<Paged<PayloadDto>>>(
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
  async payloadSchemas(name: string): Promise<Array<Pick<PayloadDto, 'bundleId' | 'jsonSchema'>>> {
    return this.db.query<Array<Pick<PayloadDto, 'bundleId' | 'jsonSchema'>>>(
      `SELECT p."bundle_id" AS "bundleId", p."json_schema" AS "jsonSchema" FROM "registry"."payloads" p
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
  }): Promise<Array<Paged<ComponentSummaryDto>>> {
    return this.db.query<Array<Paged<ComponentSummaryDto>>>(
      `SELECT c."bundle_id" AS "bundleId", ${COMPONENT_COLUMNS},
              (SELECT count(*)::int FROM "registry"."handlers" h
                WHERE h."bundle_id" = c."bundle_id" AND h."component_name" = c."name") AS "handlers",
              (count(*) OVER ())::int AS "total"
         FROM "registry"."components" c
        WHERE ($1::text IS NULL OR c."bundle_id" = $1) AND ($2::text IS NULL OR c."type" = $2)
        ORDER BY c."bundle_id", c."name" LIMIT $3 OFFSET $4`,
      [filter.bundleId ?? null, filter.type ?? null, filter.limit, filter.offset],
    );
  }

  async component(bundleId: string, name: string): Promise<ComponentDto | undefined> {
    const rows = await this.db.query<ComponentDto[]>(
      `SELECT ${COMPONENT_COLUMNS} FROM "registry"."components" c WHERE c."bundle_id" = $1 AND c."name" = $2`,
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
  }): Promise<Array<Paged<BundleHandlerDto>>> {
    return this.db.query<Array<Paged<BundleHandlerDto>>>(
      `SELECT h."bundle_id" AS "bundleId", ${HANDLER_COLUMNS}, (count(*) OVER ())::int AS "total"
         FROM "registry"."handlers" h
        WHERE ($1::text IS NULL OR h."bundle_id" = $1) AND ($2::text IS NULL OR h."component_name" = $2)
          AND ($3::text IS NULL OR h."handler_type" = $3) AND ($4::text IS NULL OR h."payload" = $4)
        ORDER BY h."bundle_id", h."component_name", h."handler_type", h."payload" LIMIT $5 OFFSET $6`,
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
      `SELECT h."bundle_id" AS "bundleId", h."component_name" AS "componentName", c."type" AS "componentType",
              h."handler_type" AS "handlerType", h."payload", h."return_type" AS "returnType",
              h."returns_many" AS "returnsMany", h."association_property" AS "associationProperty",
              h."payload" = $1 AS "handles", h."return_type" = $1 AS "returns",
              $1 = ANY(h."invoked_commands") AS "invokesAsCommand", $1 = ANY(h."invoked_queries") AS "invokesAsQuery"
         FROM "registry"."handlers" h
         JOIN "registry"."components" c ON c."bundle_id" = h."bundle_id" AND c."name" = h."component_name"
        WHERE h."payload" = $1 OR h."return_type" = $1
           OR h."invoked_commands" @> ARRAY[$1]::text[] OR h."invoked_queries" @> ARRAY[$1]::text[]
        ORDER BY h."bundle_id", h."component_name", h."handler_type", h."payload"`,
      [name],
    );
  }

  /** Every bundle's declaration of one payload. */
  async payloadDeclarations(name: string): Promise<PayloadDto[]> {
    return this.db.query<PayloadDto[]>(
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
      const rows = await tx.query<Array<{ liveInstances: number }>>(
        `SELECT ${LIVE_INSTANCES} AS "liveInstances" FROM "registry"."bundles" b WHERE b."bundle_id" = $1 FOR UPDATE`,
        [bundleId],
      );
      if (rows.length === 0) return 'absent';
      if (rows[0].liveInstances > 0) return { live: rows[0].liveInstances };
      // Its payloads go first, so none can pass to it again from its own handler rows.
      const released = await this.ownership.release(tx, bundleId);
      await tx.query('DELETE FROM "registry"."bundles" WHERE "bundle_id" = $1', [bundleId]);
      return { released };
    });
  }
}
