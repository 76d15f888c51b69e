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
import { NatsRoutes } from '@evento/platform';
import { Controller, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { EventsService } from './events.service';

@Controller()
export class EventsMessageController implements OnApplicationBootstrap {
  constructor(
    private readonly events: EventsService,
    private readonly routes: NatsRoutes,
  ) {}

  /**
   * Appends are the store's throughput: they skip Nest's RPC pipeline (see NatsRoutes), which
   * cost more CPU per append than the append itself.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.routes.serve('event-store', EventStoreContracts.append, (request) => this.append(request));
  }

  append(request: AppendRequest): Promise<AppendResponse> {
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
