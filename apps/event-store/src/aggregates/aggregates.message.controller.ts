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
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AggregatesService } from './aggregates.service';

@Controller()
export class AggregatesMessageController {
  constructor(private readonly aggregates: AggregatesService) {}

  @MessagePattern(EventStoreContracts.loadStory.subject)
  story(@Payload() request: LoadStoryRequest): Promise<StoryResponse> {
    return this.aggregates.story(request);
  }

  @MessagePattern(EventStoreContracts.saveSnapshot.subject)
  saveSnapshot(@Payload() request: SaveSnapshotRequest): Promise<SaveSnapshotResponse> {
    return this.aggregates.saveSnapshot(request);
  }

  @MessagePattern(EventStoreContracts.loadSnapshot.subject)
  loadSnapshot(@Payload() request: LoadSnapshotRequest): Promise<SnapshotBody> {
    return this.aggregates.loadSnapshot(request.aggregateId);
  }

  @MessagePattern(EventStoreContracts.deleteAggregate.subject)
  delete(@Payload() request: DeleteAggregateRequest): Promise<DeleteAggregateResponse> {
    return this.aggregates.delete(request);
  }
}
