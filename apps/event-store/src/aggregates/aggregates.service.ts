import {
  type DeleteAggregateRequest,
  type DeleteAggregateResponse,
  ErrorCode,
  EventoError,
  type LoadStoryRequest,
  MAX_REPLY_BYTES,
  type SaveSnapshotRequest,
  type SaveSnapshotResponse,
  type SnapshotBody,
  type StoryResponse,
} from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { EventStoreConfig } from '../config/event-store.config';
import { eventsWithinBytes } from '../events/event-row';
import { EventsRepository } from '../events/events.repository';

const STORY_PAGE_EVENTS = 1000;

@Injectable()
export class AggregatesService {
  constructor(
    private readonly repository: EventsRepository,
    private readonly config: EventStoreConfig,
  ) {}

  /**
   * The snapshot (first page only) plus the events after it, in version order, paged so a
   * reply never exceeds the byte budget: a story of any length loads page by page.
   */
  async story(request: LoadStoryRequest): Promise<StoryResponse> {
    const aggregate = await this.repository.aggregate(request.aggregateId);
    const firstPage = request.afterVersion === undefined;
    const snapshot =
      firstPage && !request.ignoreSnapshot ? await this.repository.snapshot(request.aggregateId) : undefined;
    const from = request.afterVersion ?? snapshot?.version ?? 0;
    const budget = MAX_REPLY_BYTES - (snapshot ? Buffer.byteLength(JSON.stringify(snapshot.state)) : 0);
    const rows = await this.repository.aggregateEvents(
      request.aggregateId,
      from,
      STORY_PAGE_EVENTS,
      this.config.EVENT_STORE_MODE,
    );
    const events = eventsWithinBytes(rows, Math.max(budget, 1));
    const lastVersion = events.length > 0 ? events[events.length - 1].aggregateVersion! : from;
    const version = aggregate?.version ?? 0;
    return {
      aggregateId: request.aggregateId,
      version,
      deleted: Boolean(aggregate?.deletedAt),
      deletedAt: aggregate?.deletedAt ?? null,
      snapshot: snapshot ?? null,
      events,
      nextAfterVersion: lastVersion < version ? lastVersion : null,
    };
  }

  async saveSnapshot(request: SaveSnapshotRequest): Promise<SaveSnapshotResponse> {
    const aggregate = await this.repository.aggregate(request.aggregateId);
    if (!aggregate) throw new EventoError(ErrorCode.NOT_FOUND, `Aggregate ${request.aggregateId} has no events`);
    if (request.version > aggregate.version) {
      throw new EventoError(
        ErrorCode.CONFLICT,
        `Snapshot version ${request.version} is ahead of the aggregate (version ${aggregate.version})`,
        { actualVersion: aggregate.version },
      );
    }
    if (Buffer.byteLength(JSON.stringify(request.state)) > MAX_REPLY_BYTES / 2) {
      throw new EventoError(ErrorCode.PAYLOAD_TOO_LARGE, `Snapshot state is larger than ${MAX_REPLY_BYTES / 2} bytes`);
    }
    return this.repository.saveSnapshot(request.aggregateId, request.version, request.state);
  }

  async loadSnapshot(aggregateId: string): Promise<SnapshotBody> {
    const snapshot = await this.repository.snapshot(aggregateId);
    if (!snapshot) throw new EventoError(ErrorCode.NOT_FOUND, `No snapshot for aggregate ${aggregateId}`);
    return snapshot;
  }

  async delete(request: DeleteAggregateRequest): Promise<DeleteAggregateResponse> {
    const deleted = await this.repository.markDeleted(
      request.aggregateId,
      request.deletedBy,
      request.reason,
      this.config.EVENT_STORE_MODE === 'CPES',
    );
    if (!deleted) throw new EventoError(ErrorCode.NOT_FOUND, `Aggregate ${request.aggregateId} has no events`);
    return { aggregateId: request.aggregateId, ...deleted };
  }
}
