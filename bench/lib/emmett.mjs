// Appends through emmett's PostgreSQL event store (@event-driven-io/emmett-postgresql), the peer
// baseline of the appends scenario: same Postgres, same payloads, same closed loop.

import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { closedLoop, openPool, progress } from '../support.mjs';

/**
 * Appends/s of emmett at each writer count: every writer appends one event at a time to its own
 * stream with the expected stream version, like the event store's aggregate writers. One pool
 * connection per writer, opened before the clock starts.
 */
export async function emmettPoints({ databaseUrl, writers: writerCounts, warmupMs, durationMs, payloadOf, meter }) {
  const rows = [];
  const pool = await openPool(pg, databaseUrl, Math.max(...writerCounts));
  const store = getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool } });
  try {
    // The schema is created on first use; keep that out of the measurements.
    await store.appendToStream('emmett-warmup', [{ type: 'BenchWarmup', data: { n: 0 } }]);
    for (const writers of writerCounts) {
      progress(`emmett ${writers} writer(s)`);
      const result = await closedLoop({
        workers: writers,
        warmupMs,
        durationMs,
        meter,
        makeOp: (writer) => {
          const stream = `emmett-${writers}-${writer}`;
          let version = 0n;
          let n = 0;
          return async () => {
            const appended = await store.appendToStream(
              stream,
              [{ type: 'BenchAggregateEvent', data: payloadOf(writer, n++) }],
              { expectedStreamVersion: version },
            );
            version = appended.nextExpectedStreamVersion;
          };
        },
      });
      const { opsPerSec, window: _window, ...rest } = result;
      rows.push({ writers, appendsPerSec: opsPerSec, ...rest });
    }
  } finally {
    await store.close();
    await pool.end().catch(() => undefined);
  }
  return rows;
}
