import type { ScalingSignal, ScalingSignalKind } from '@evento/contracts';
import { epochMs } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** An instance's latest signal: what it said, its work in flight, and when (ms since the epoch). */
export interface LatestSignal {
  signal: ScalingSignalKind;
  inFlight: number;
  at: number;
}

/** The only place that touches scaler.signals. */
@Injectable()
export class SignalsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One multi-row insert per batch, so a burst of signals is a handful of statements. */
  async insert(signals: ScalingSignal[]): Promise<void> {
    if (signals.length === 0) return;
    const params: unknown[] = [];
    const values = signals.map((s, i) => {
      params.push(s.bundleId, s.instanceId, s.signal, s.inFlight, s.capacity ?? null);
      const at = i * 5;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5})`;
    });
    await this.db.query(
      `INSERT INTO "scaler"."signals" ("bundle_id", "instance_id", "signal", "in_flight", "capacity")
       VALUES ${values.join(', ')}`,
      params,
    );
  }

  /** The latest signal of each instance of the bundle received within the window. */
  async latest(bundleId: string, windowMs: number): Promise<Map<string, LatestSignal>> {
    const rows = await this.db.query<Array<LatestSignal & { instanceId: string }>>(
      `SELECT DISTINCT ON ("instance_id") "instance_id" AS "instanceId", "signal", "in_flight" AS "inFlight",
              ${epochMs('"received_at"')} AS "at"
         FROM "scaler"."signals"
        WHERE "bundle_id" = $1 AND "received_at" > now() - $2 * interval '1 millisecond'
        ORDER BY "instance_id", "received_at" DESC, "id" DESC`,
      [bundleId, windowMs],
    );
    return new Map(rows.map(({ instanceId, ...signal }) => [instanceId, signal]));
  }

  async prune(olderThanMs: number): Promise<void> {
    await this.db.query(`DELETE FROM "scaler"."signals" WHERE "received_at" < now() - $1 * interval '1 millisecond'`, [
      olderThanMs,
    ]);
  }
}
