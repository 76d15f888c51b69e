import {
  AppendRequest,
  type AppendResponse,
  EventStoreContracts,
  EventsAppended,
  FetchRequest,
  type FetchResponse,
  HeadRequest,
  type HeadResponse,
  SearchEventsRequest,
  type SearchEventsResponse,
} from '@evento/contracts';
import { type InboundMessage, Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { AppendedNotifier } from './appended.notifier';
import { EventsService } from './events.service';

@Controller()
export class EventsMessageController {
  constructor(
    private readonly events: EventsService,
    private readonly notifier: AppendedNotifier,
  ) {}

  @Serve(EventStoreContracts.append)
  append(request: AppendRequest, message: InboundMessage): Promise<AppendResponse> {
    return this.events.append(request, message.bytes);
  }

  @Serve(EventStoreContracts.fetch)
  fetch(request: FetchRequest, message: InboundMessage): Promise<FetchResponse> {
    return this.events.fetch(request, message.deadline);
  }

  /** Every replica hears every commit (fan-out), so fetches waiting on any replica wake at once. */
  @Serve(EventStoreContracts.appended, { fanOut: true })
  appended(notice: EventsAppended): void {
    this.notifier.heard(notice.contexts);
  }

  @Serve(EventStoreContracts.head)
  head(request: HeadRequest): Promise<HeadResponse> {
    return this.events.head(request);
  }

  @Serve(EventStoreContracts.search)
  search(request: SearchEventsRequest): Promise<SearchEventsResponse> {
    return this.events.search(request);
  }
}
