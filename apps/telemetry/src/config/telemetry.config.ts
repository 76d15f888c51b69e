import { BaseConfig } from '@evento/platform';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the telemetry app; see docs/configuration.md. */
export class TelemetryConfig extends BaseConfig {
  override HTTP_PORT = 3003;

  /** Width of one rollup time bucket (seconds); queries step in multiples of it. */
  @IsInt()
  @Min(1)
  @Max(3600)
  TELEMETRY_BUCKET_SECONDS = 10;

  /** How often the in-memory rollups are written (milliseconds): a crash loses at most this much. */
  @IsInt()
  @Min(50)
  @Max(60_000)
  TELEMETRY_FLUSH_MS = 5000;

  /** Days of rollups kept; whole day partitions older than this are dropped. */
  @IsInt()
  @Min(1)
  @Max(3650)
  TELEMETRY_RETENTION_DAYS = 30;

  /** How often partitions are created ahead and retention runs (milliseconds). */
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  TELEMETRY_MAINTENANCE_MS = 3_600_000;

  /** Entries (samples, invocation counts, reports) one sender may deliver per second, sustained. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  TELEMETRY_SENDER_RATE = 20_000;

  /** Burst a sender may deliver at once above its rate (entries). */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  TELEMETRY_SENDER_BURST = 40_000;

  /** Distinct rollup series held in memory between flushes; entries past it are refused and counted. */
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  TELEMETRY_MAX_SERIES = 100_000;

  /** Distinct bundle/component/handler label sets on the Prometheus handler metrics. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  TELEMETRY_METRIC_SERIES_LIMIT = 500;
}
