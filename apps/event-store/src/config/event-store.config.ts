import { BaseConfig } from '@evento/platform';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { ORDERING_MODES, type OrderingMode } from '@evento/contracts';

/** Environment of the event-store app; see docs/configuration.md. */
export class EventStoreConfig extends BaseConfig {
  override HTTP_PORT = 3001;

  /**
   * CPES: appends serialised cluster-wide, cursor = position. APES: concurrent appends,
   * readers see events in transaction order, cursor = "<txid>:<position>".
   */
  @IsIn(ORDERING_MODES)
  EVENT_STORE_MODE: OrderingMode = 'CPES';

  /** Most append requests written in one transaction (group commit). */
  @IsInt()
  @Min(1)
  @Max(5000)
  APPEND_MAX_BATCH = 500;

  /** Group-commit batches one replica writes at once; the next waits in Postgres, not here. */
  @IsInt()
  @Min(1)
  @Max(16)
  APPEND_CONCURRENT_BATCHES = 2;

  /** Appends that must be waiting before a batch starts beside one already being written. */
  @IsInt()
  @Min(1)
  @Max(5000)
  APPEND_EXTRA_BATCH_MIN = 16;

  /** How often a waiting fetch re-reads when no notification woke it (milliseconds). */
  @IsInt()
  @Min(5)
  @Max(5000)
  FETCH_POLL_MS = 250;
}
