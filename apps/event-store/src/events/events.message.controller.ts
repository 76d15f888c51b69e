import {
  AppendRequest,
  type AppendResponse,
  EventStoreContracts,
  FetchRequest,
  type FetchResponse,
  HeadRequest,
  type HeadResponse,
  SearchEventsRequest,
  type SearchEventsResponse,
} from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { EventsService } from './events.service';

@Controller()
export class EventsMessageController {
  constructor(private readonly events: EventsService) {}

  @MessagePattern(EventStoreContracts.append.subject)
  append(@Payload() request: AppendRequest): Promise<AppendResponse> {
    return this.events.append(request);
  }

  @MessagePattern(EventStoreContracts.fetch.subject)
  fetch(@Payload() request: FetchRequest): Promise<FetchResponse> {
    return this.events.fetch(request);
  }

  @MessagePattern(EventStoreContracts.head.subject)
  head(@Payload() request: HeadRequest): Promise<HeadResponse> {
    return this.events.head(request);
  }

  @MessagePattern(EventStoreContracts.search.subject)
  search(@Payload() request: SearchEventsRequest): Promise<SearchEventsResponse> {
    return this.events.search(request);
  }
}
