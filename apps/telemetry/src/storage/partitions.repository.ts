import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The day-partitioned tables and their time column. */
export const PARTITIONED_TABLES = ['handler_rollups', 'invocation_rollups', 'gateway_rollups', 'resource_reports'];

/** Advisory lock keys (hashtext of these names): one replica at a time creates or drops partitions. */
export const PARTITION_CREATE_LOCK = 'evento:telemetry:partitions';
export const RETENTION_LOCK = 'evento:telemetry:retention';

const DAY_MS = 86_400_000;

/** `20261122` for the UTC day holding the instant. */
export function dayTag(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '');
}

function dayStartIso(epochMs: number): string {
  return `${new Date(Math.floor(epochMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`;
}

export interface RetentionOutcome {
  /** False when another replica held the retention lock: this one did nothing. */
  ran: boolean;
  dropped: string[];
}

/** Creates day partitions ahead and drops expired ones. */
@Injectable()
export class PartitionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Partitions of every table for each UTC day from `fromMs` to `toMs` (inclusive). */
  async ensure(fromMs: number, toMs: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      // Blocking: a replica that waits finds the partitions made and creates nothing.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [PARTITION_CREATE_LOCK]);
      const created: string[] = [];
      for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day <= toMs; day += DAY_MS) {
        for (const table of PARTITIONED_TABLES) {
          const name = `${table}_p${dayTag(day)}`;
          const exists = await tx.query<Array<{ oid: string | null }>>('SELECT to_regclass($1) AS oid', [
            `telemetry.${name}`,
          ]);
          if (exists[0]?.oid) continue;
          await tx.query(
            `CREATE TABLE telemetry.${name} PARTITION OF telemetry.${table}
               FOR VALUES FROM ('${dayStartIso(day)}') TO ('${dayStartIso(day + DAY_MS)}')`,
          );
          created.push(name);
        }
      }
      return created;
    });
  }

  /** The partitions of the telemetry tables, by name. */
  async list(): Promise<string[]> {
    const rows = await this.db.query<Array<{ name: string }>>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE n.nspname = 'telemetry' AND p.relname = ANY($1)
       ORDER BY c.relname`,
      [PARTITIONED_TABLES],
    );
    return rows.map((row) => row.name);
  }

  /**
   * Drops the partitions of days before the cutoff day, if this replica gets the retention
   * lock without waiting; the lock is held until the drops commit, so two replicas never
   * drop at the same time.
   */
  async dropBefore(cutoffMs: number): Promise<RetentionOutcome> {
    const cutoff = dayTag(cutoffMs);
    return this.db.transaction(async (tx) => {
      const locked = await tx.query<Array<{ ok: boolean }>>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [
        RETENTION_LOCK,
      ]);
      if (!locked[0]?.ok) return { ran: false, dropped: [] };
      const names = await tx.query<Array<{ name: string }>>(
        `SELECT c.relname AS name FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent
           JOIN pg_namespace n ON n.oid = p.relnamespace
         WHERE n.nspname = 'telemetry' AND p.relname = ANY($1)`,
        [PARTITIONED_TABLES],
      );
      const dropped: string[] = [];
      for (const { name } of names) {
        const match = /_p(\d{8})$/.exec(name);
        if (!match || match[1] >= cutoff) continue;
        await tx.query(`DROP TABLE telemetry."${name}"`);
        dropped.push(name);
      }
      return { ran: true, dropped: dropped.sort() };
    });
  }
}
