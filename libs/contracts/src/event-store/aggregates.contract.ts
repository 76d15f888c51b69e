import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AsReceived, MAX_VERSION, NAME_PATTERN, type StoredEvent } from './events.contract';

export class LoadStoryRequest {
  @Matches(NAME_PATTERN, { message: 'aggregateId must be 1-200 printable characters without spaces' })
  aggregateId: string;

  /** Replay every event instead of starting from the snapshot. */
  @IsOptional()
  @IsBoolean()
  ignoreSnapshot?: boolean;

  /** For the next page: the version of the last event already received. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  afterVersion?: number;
}

export class SnapshotBody {
  version: number;
  state: Record<string, unknown>;
  updatedAt: string;
}

export class StoryResponse {
  aggregateId: string;
  /** The aggregate's current version (0 when it has no event). */
  version: number;
  deleted: boolean;
  deletedAt: string | null;
  /** Only on the first page, when there is one and it was not ignored. */
  snapshot: SnapshotBody | null;
  /** Events after the snapshot (or after `afterVersion`), in version order. */
  events: StoredEvent[];
  /** Set when the story continues: ask again with this as `afterVersion`. */
  nextAfterVersion: number | null;
}

export class SaveSnapshotRequest {
  @Matches(NAME_PATTERN, { message: 'aggregateId must be 1-200 printable characters without spaces' })
  aggregateId: string;

  /** The aggregate version the state includes. */
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  version: number;

  @IsObject()
  @AsReceived()
  state: Record<string, unknown>;
}

export class SaveSnapshotResponse {
  /** False when a snapshot at the same or a newer version was already stored. */
  stored: boolean;
  /** Version of the snapshot now stored. */
  version: number;
}

export class LoadSnapshotRequest {
  @Matches(NAME_PATTERN, { message: 'aggregateId must be 1-200 printable characters without spaces' })
  aggregateId: string;
}

export class DeleteAggregateRequest {
  @Matches(NAME_PATTERN, { message: 'aggregateId must be 1-200 printable characters without spaces' })
  aggregateId: string;

  /** Who asked (a user, a bundle, an operator). */
  @IsString()
  @MaxLength(200)
  @Matches(/^\S/, { message: 'deletedBy must not be empty' })
  deletedBy: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class DeleteAggregateResponse {
  aggregateId: string;
  version: number;
  deletedAt: string;
  deletedBy: string;
  /** False when it was already deleted: the original deletion is reported. */
  deletedNow: boolean;
}

export type { StoredEvent };
