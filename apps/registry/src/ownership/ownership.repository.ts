import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { isoTimestamp } from '@evento/platform';
import type { Paged } from '../common/page-query.dto';
import type { PayloadOwnerDto, PayloadTransferDto } from './dto/ownership.dto';
import { byCodePoints, CLAIMS_HANDLED, CLAIMS_RETURNED } from './payload-claims';

export type OwnershipSource = 'declared' | 'transfer' | 'migration';

/** A payload the claiming bundle may not take: another bundle owns it. */
export interface OwnedElsewhere {
  payload: string;
  owner: string;
}

export type TransferOutcome =
  | { kind: 'transferred'; transfer: PayloadTransferDto }
  | { kind: 'unknown-bundle' }
  | { kind: 'no-owner' }
  | { kind: 'already-owner' };

const TRANSFER_COLUMNS = `"transfer_id"::text AS "transferId", "payload", "from_bundle_id" AS "from",
  "to_bundle_id" AS "to", "reason", "approved_by" AS "approvedBy", ${isoTimestamp('"approved_at"')} AS "approvedAt"`;

/**
 * What the stored catalog claims, per bundle and payload: the rule of `payloadClaims` over the
 * handler rows (`handled` and `returned` name the parameters holding its handler types).
 */
const storedClaims = (handled: string, returned: string) => `
  SELECT h."bundle_id", h."payload" FROM "registry"."handlers" h WHERE h."handler_type" = ANY(${handled}::text[])
  UNION
  SELECT h."bundle_id", h."return_type" FROM "registry"."handlers" h
   WHERE h."handler_type" = ANY(${returned}::text[]) AND h."return_type" IS NOT NULL`;

/** The only place that touches the ownership tables. */
@Injectable()
export class OwnershipRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Takes the payloads nobody owns for the bundle and returns those another bundle owns, inside
   * the caller's transaction (the descriptor is stored only when this returns nothing, else the
   * caller rolls back, new claims included).
   *
   * Claims are inserted in the order given (sorted by the caller), so two bundles claiming the
   * same names at once queue on the first shared one instead of deadlocking; the loser then
   * sees the winner's row. The owners read are share-locked, so a transfer or a release waits
   * for this transaction and a concurrent one is seen once it committed.
   */
  async claim(tx: EntityManager, bundleId: string, payloads: string[]): Promise<OwnedElsewhere[]> {
    if (payloads.length === 0) return [];
    await tx.query(
      `INSERT INTO "registry"."payload_owners" ("payload", "bundle_id", "source")
       SELECT c."payload", $1, 'declared' FROM unnest($2::text[]) WITH ORDINALITY AS c("payload", "n")
        ORDER BY c."n"
       ON CONFLICT ("payload") DO NOTHING`,
      [bundleId, payloads],
    );
    const rows = await tx.query<Array<{ payload: string; bundle_id: string }>>(
      `SELECT "payload", "bundle_id" FROM "registry"."payload_owners"
        WHERE "payload" = ANY($2::text[]) AND "bundle_id" <> $1
        ORDER BY "payload" FOR SHARE`,
      [bundleId, payloads],
    );
    return rows.map((row) => ({ payload: row.payload, owner: row.bundle_id }));
  }

  /**
   * Inside the transaction that removes a bundle, before its catalog rows go: its payloads are
   * released, and each goes at once to the first other bundle (by id) whose stored descriptor
   * still claims it (a former owner that kept its handler, or a bundle that handled it before
   * ownership existed), as the migration derived owners; payloads nobody else claims are left
   * without an owner, for the next descriptor that claims one. Returns the payloads released
   * and who took each (null: nobody).
   */
  async release(tx: EntityManager, bundleId: string): Promise<Array<{ payload: string; owner: string | null }>> {
    const released = // A SELECT over the DELETE: TypeORM answers a bare DELETE with [rows, count], not the rows.
      (
        await tx.query<Array<{ payload: string }>>(
          `WITH "released" AS (
           DELETE FROM "registry"."payload_owners" WHERE "bundle_id" = $1 RETURNING "payload"
         )
         SELECT "payload" FROM "released"`,
          [bundleId],
        )
      )
        .map((row) => row.payload)
        .sort(byCodePoints);
    if (released.length === 0) return [];
    const successors = await tx.query<Array<{ payload: string; bundle_id: string }>>(
      `INSERT INTO "registry"."payload_owners" ("payload", "bundle_id", "source")
       SELECT r."payload", c."bundle_id", 'declared'
         FROM unnest($1::text[]) WITH ORDINALITY AS r("payload", "n")
         JOIN LATERAL (
           SELECT min(s."bundle_id") AS "bundle_id" FROM (${storedClaims('$3', '$4')}) s
            WHERE s."payload" = r."payload" AND s."bundle_id" <> $2
         ) c ON c."bundle_id" IS NOT NULL
        ORDER BY r."n"
       ON CONFLICT ("payload") DO NOTHING
       RETURNING "payload", "bundle_id"`,
      [released, bundleId, CLAIMS_HANDLED, CLAIMS_RETURNED],
    );
    const taken = new Map(successors.map((row) => [row.payload, row.bundle_id]));
    return released.map((payload) => ({ payload, owner: taken.get(payload) ?? null }));
  }

  async owner(payload: string): Promise<PayloadOwnerDto | undefined> {
    const rows = await this.db.query<PayloadOwnerDto[]>(
      `SELECT "bundle_id" AS "bundleId", "source", "transfer_id"::text AS "transferId",
              ${isoTimestamp('"since"')} AS "since"
         FROM "registry"."payload_owners" WHERE "payload" = $1`,
      [payload],
    );
    return rows[0];
  }

  /**
   * Gives the payload to another bundle and records who approved it, in one transaction. The
   * receiving bundle is key-share locked so it cannot be removed half-way; the owner row is
   * locked so two transfers of one payload take turns and each records the owner it replaced.
   */
  async transfer(payload: string, to: string, reason: string, approvedBy: string): Promise<TransferOutcome> {
    return this.db.transaction(async (tx) => {
      const target = await tx.query<unknown[]>(
        `SELECT 1 FROM "registry"."bundles" WHERE "bundle_id" = $1 FOR KEY SHARE`,
        [to],
      );
      if (target.length === 0) return { kind: 'unknown-bundle' };
      const [current] = await tx.query<Array<{ bundle_id: string }>>(
        `SELECT "bundle_id" FROM "registry"."payload_owners" WHERE "payload" = $1 FOR UPDATE`,
        [payload],
      );
      if (!current) return { kind: 'no-owner' };
      if (current.bundle_id === to) return { kind: 'already-owner' };
      const [transfer] = await tx.query<PayloadTransferDto[]>(
        `INSERT INTO "registry"."payload_transfers" ("payload", "from_bundle_id", "to_bundle_id", "reason", "approved_by")
         VALUES ($1, $2, $3, $4, $5) RETURNING ${TRANSFER_COLUMNS}`,
        [payload, current.bundle_id, to, reason, approvedBy],
      );
      await tx.query(
        `UPDATE "registry"."payload_owners"
            SET "bundle_id" = $2, "source" = 'transfer', "transfer_id" = $3::bigint, "since" = now()
          WHERE "payload" = $1`,
        [payload, to, transfer.transferId],
      );
      return { kind: 'transferred', transfer };
    });
  }

  /** A payload's transfers, newest first, paged, with the total. */
  async transfers(payload: string, limit: number, offset: number): Promise<Array<Paged<PayloadTransferDto>>> {
    return this.db.query(
      `SELECT ${TRANSFER_COLUMNS}, (count(*) OVER ())::int AS "total"
         FROM "registry"."payload_transfers" WHERE "payload" = $1
        ORDER BY "transfer_id" DESC LIMIT $2 OFFSET $3`,
      [payload, limit, offset],
    );
  }
}
