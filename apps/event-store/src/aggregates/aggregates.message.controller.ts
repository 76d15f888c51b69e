import {
  DeleteAggregateRequest,
  type DeleteAggregateResponse,
  EventStoreContracts,
  LoadSnapshotRequest,
  LoadStoryRequest,
  SaveSnapshotRequest,
  type SaveSnapshotResponse,
  type SnapshotBody,
  type StoryResponse,
} from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { AggregatesService } from './aggregates.service';

@Controller()
export class AggregatesMessageController {
  constructor(private readonly aggregates: AggregatesService) {}

  @Serve(EventStoreContracts.loadStory)
  story(request: LoadStoryRequest): Promise<StoryResponse> {
    return this.aggregates.story(request);
  }

  @Serve(EventStoreContracts.saveSnapshot)
  saveSnapshot(request: SaveSnapshotRequest): Promise<SaveSnapshotResponse> {
    return this.aggregates.saveSnapshot(request);
  }

  @Serve(EventStoreContracts.loadSnapshot)
  loadSnapshot(request: LoadSnapshotRequest): Promise<SnapshotBody> {
    return this.aggregates.loadSnapshot(request.aggregateId);
  }

  @Serve(EventStoreContracts.deleteAggregate)
  delete(request: DeleteAggregateRequest): Promise<DeleteAggregateResponse> {
    return this.aggregates.delete(request);
  }
}
