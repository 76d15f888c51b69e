import { isoTimestamp } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** A configuration value in clear (the service masks secrets). */
export interface ConfigurationEntryRow {
  key: string;
  value: string;
  secret: boolean;
  /** ISO 8601. */
  updatedAt: string;
}

const ENTRY_COLUMNS = `"key", "value", "secret", ${isoTimestamp('"updated_at"')} AS "updatedAt"`;

export interface ConfigurationRows {
  version: number;
  entries: ConfigurationEntryRow[];
}

export type SetOutcome =
  | { kind: 'set'; version: number; changed: boolean; entry: ConfigurationEntryRow }
  | { kind: 'too-many'; limit: number }
  | { kind: 'too-large'; limit: number };

/** The only place that touches registry.configuration_values and configuration_versions. */
@Injectable()
export class ConfigurationRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Values and version read in one statement, so they always belong together. */
  async get(bundleId: string): Promise<ConfigurationRows> {
    const [row] = await this.db.query<ConfigurationRows[]>(
      `SELECT COALESCE((SELECT "version" FROM "registry"."configuration_versions" WHERE "bundle_id" = $1), 0)::float8
                AS "version",
              COALESCE((SELECT json_agg(e ORDER BY e."key")
                          FROM (SELECT ${ENTRY_COLUMNS} FROM "registry"."configuration_values"
                                 WHERE "bundle_id" = $1) e), '[]'::json) AS "entries"`,
      [bundleId],
    );
    return row;
  }

  /**
   * Sets one value. The bundle's version row is locked first, so concurrent changes of one
   * bundle take turns and every change gets its own version. `secret` undefined keeps the
   * key's current flag. An unchanged value changes neither the row nor the version.
   */
  async set(
    bundleId: string,
    key: string,
    value: string,
    secret: boolean | undefined,
    limits: { maxKeys: number; maxBytes: number },
  ): Promise<SetOutcome> {
    return this.db
      .transaction<SetOutcome>(async (tx) => {
        const version = await this.lockVersion(tx, bundleId);
        const [current] = await tx.query<Array<{ value: string; secret: boolean }>>(
          `SELECT "value", "secret" FROM "registry"."configuration_values" WHERE "bundle_id" = $1 AND "key" = $2`,
          [bundleId, key],
        );
        const nextSecret = secret ?? current?.secret ?? false;
        if (current && current.value === value && current.secret === nextSecret) {
          const [entry] = await tx.query<ConfigurationEntryRow[]>(
            `SELECT ${ENTRY_COLUMNS} FROM "registry"."configuration_values"
            WHERE "bundle_id" = $1 AND "key" = $2`,
            [bundleId, key],
          );
          return { kind: 'set', version, changed: false, entry };
        }
        const [entry] = await tx.query<ConfigurationEntryRow[]>(
          `INSERT INTO "registry"."configuration_values" ("bundle_id", "key", "value", "secret", "updated_at")
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT ("bundle_id", "key") DO UPDATE SET "value" = EXCLUDED."value", "secret" = EXCLUDED."secret",
           "updated_at" = now()
         RETURNING ${ENTRY_COLUMNS}`,
          [bundleId, key, value, nextSecret],
        );
        // The whole configuration travels in one NATS message (welcome, configuration message).
        const [size] = await tx.query<Array<{ keys: number; bytes: number }>>(
          `SELECT count(*)::int AS "keys",
                COALESCE(octet_length(jsonb_object_agg("key", "value")::text), 0)::int AS "bytes"
           FROM "registry"."configuration_values" WHERE "bundle_id" = $1`,
          [bundleId],
        );
        if (size.keys > limits.maxKeys) {
          throw new LimitExceeded({ kind: 'too-many', limit: limits.maxKeys });
        }
        if (size.bytes > limits.maxBytes) throw new LimitExceeded({ kind: 'too-large', limit: limits.maxBytes });
        return { kind: 'set', version: await this.bump(tx, bundleId), changed: true, entry };
      })
      .catch((error: unknown) => {
        if (error instanceof LimitExceeded) return error.outcome;
        throw error;
      });
  }

  /** Deletes one value; the new version, or null when there was no such key. */
  async delete(bundleId: string, key: string): Promise<number | null> {
    return this.db.transaction(async (tx) => {
      await this.lockVersion(tx, bundleId);
      const [deleted] = await tx.query<[Array<{ key: string }>, number]>(
        'DELETE FROM "registry"."configuration_values" WHERE "bundle_id" = $1 AND "key" = $2 RETURNING "key"',
        [bundleId, key],
      );
      if (deleted.length === 0) return null;
      return this.bump(tx, bundleId);
    });
  }

  /** Instances of the bundle whose session is live: the ones a change is delivered to. */
  async liveInstances(bundleId: string): Promise<string[]> {
    const rows = await this.db.query<Array<{ instanceId: string }>>(
      `SELECT "instance_id" AS "instanceId" FROM "registry"."instances"
        WHERE "bundle_id" = $1 AND "status" <> 'gone' AND "lease_expires_at" > now() ORDER BY "instance_id"`,
      [bundleId],
    );
    return rows.map((row) => row.instanceId);
  }

  private async lockVersion(tx: EntityManager, bundleId: string): Promise<number> {
    await tx.query(
      `INSERT INTO "registry"."configuration_versions" ("bundle_id", "version") VALUES ($1, 0)
       ON CONFLICT ("bundle_id") DO NOTHING`,
      [bundleId],
    );
    const [row] = await tx.query<Array<{ version: number }>>(
      `SELECT "version"::float8 AS "version" FROM "registry"."configuration_versions" WHERE "bundle_id" = $1 FOR UPDATE`,
      [bundleId],
    );
    return row.version;
  }

  private async bump(tx: EntityManager, bundleId: string): Promise<number> {
    const [rows] = await tx.query<[Array<{ version: number }>, number]>(
      `UPDATE "registry"."configuration_versions" SET "version" = "version" + 1, "updated_at" = now()
        WHERE "bundle_id" = $1 RETURNING "version"::float8 AS "version"`,
      [bundleId],
    );
    return rows[0].version;
  }
}

/** Thrown inside the transaction so it rolls back; turned into an outcome outside. */
class LimitExceeded extends Error {
  constructor(readonly outcome: Extract<SetOutcome, { kind: 'too-many' | 'too-large' }>) {
    super(outcome.kind);
  }
}
