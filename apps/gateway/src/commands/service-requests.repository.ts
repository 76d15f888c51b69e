import type { CommandResult } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** What a claim found: the record is now ours, or someone else's (running or done). */
export type ServiceRequestClaim =
  | { state: 'claimed' }
  | { state: 'running'; fingerprint: string; expiresInMs: number }
  | { state: 'done'; fingerprint: string; result: CommandResult };

interface RecordRow {
  fingerprint: string;
  state: 'running' | 'done';
  result: CommandResult | null;
  expires_in_ms: number;
}

/** Claims that find the record gone between two statements (a sweep) try again, this often at most. */
const CLAIM_ATTEMPTS = 5;

/** The only place that touches `gateway.service_requests` (see its migration). */
@Injectable()
export class ServiceRequestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Takes the record of a request id for `owner`, when there is none or it expired (a dead
   * gateway's lease ran out, or a done answer outlived its TTL); otherwise says what it holds.
   */
  async claim(requestId: string, fingerprint: string, owner: string, leaseMs: number): Promise<ServiceRequestClaim> {
    for (let attempt = 1; ; attempt += 1) {
      const taken = await this.db.query<unknown[]>(
        `INSERT INTO "gateway"."service_requests" ("request_id", "fingerprint", "state", "owner", "expires_at")
         VALUES ($1, $2, 'running', $3, now() + make_interval(secs => $4::double precision / 1000))
         ON CONFLICT ("request_id") DO UPDATE SET
           "fingerprint" = EXCLUDED."fingerprint", "state" = 'running', "owner" = EXCLUDED."owner",
           "result" = NULL, "created_at" = now(), "expires_at" = EXCLUDED."expires_at"
         WHERE "service_requests"."expires_at" <= now()
         RETURNING 1`,
        [requestId, fingerprint, owner, leaseMs],
      );
      if (taken.length > 0) return { state: 'claimed' };
      const [row] = await this.db.query<RecordRow[]>(
        `SELECT "fingerprint", "state", "result",
                GREATEST(0, (EXTRACT(EPOCH FROM ("expires_at" - now())) * 1000))::int AS "expires_in_ms"
           FROM "gateway"."service_requests" WHERE "request_id" = $1`,
        [requestId],
      );
      if (row && row.expires_in_ms > 0) {
        if (row.state === 'done' && row.result) {
          return { state: 'done', fingerprint: row.fingerprint, result: row.result };
        }
        return { state: 'running', fingerprint: row.fingerprint, expiresInMs: row.expires_in_ms };
      }
      // Gone or expired since the insert looked: claim again.
      if (attempt >= CLAIM_ATTEMPTS) return { state: 'running', fingerprint, expiresInMs: 0 };
    }
  }

  /** Extends the lease of a running record; false when it is no longer `owner`'s. */
  async renew(requestId: string, owner: string, leaseMs: number): Promise<boolean> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
    const [row] = await this.db.query<Array<{ n: number }>>(
      `WITH renewed AS (
         UPDATE "gateway"."service_requests"
            SET "expires_at" = now() + make_interval(secs => $3::double precision / 1000)
          WHERE "request_id" = $1 AND "owner" = $2 AND "state" = 'running'
          RETURNING 1)
       SELECT count(*)::int AS "n" FROM renewed`,
      [requestId, owner, leaseMs],
    );
    return row.n > 0;
  }

  /** Records the answer, kept for `ttlMs`, if the record is still `owner`'s. */
  async finish(requestId: string, owner: string, result: CommandResult, ttlMs: number): Promise<void> {
    await this.db.query(
      `UPDATE "gateway"."service_requests"
          SET "state" = 'done', "result" = $3::jsonb,
              "expires_at" = now() + make_interval(secs => $4::double precision / 1000)
        WHERE "request_id" = $1 AND "owner" = $2 AND "state" = 'running'`,
      [requestId, owner, JSON.stringify(result), ttlMs],
    );
  }

  /** Forgets a failed run, so a retry runs again (failures are not kept). */
  async release(requestId: string, owner: string): Promise<void> {
    await this.db.query(
      `DELETE FROM "gateway"."service_requests" WHERE "request_id" = $1 AND "owner" = $2 AND "state" = 'running'`,
      [requestId, owner],
    );
  }

  /** Deletes up to `limit` expired records; returns how many. */
  async sweep(limit: number): Promise<number> {
    const [row] = await this.db.query<Array<{ n: number }>>(
      `WITH swept AS (
         DELETE FROM "gateway"."service_requests" WHERE "request_id" IN (
           SELECT "request_id" FROM "gateway"."service_requests" WHERE "expires_at" < now() LIMIT $1)
         RETURNING 1)
       SELECT count(*)::int AS "n" FROM swept`,
      [limit],
    );
    return row.n;
  }
}
