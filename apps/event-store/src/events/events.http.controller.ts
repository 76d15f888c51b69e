import type { HeadResponse, SearchEventsResponse } from '@evento/contracts';
import { Requires } from '@evento/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HeadQueryDto } from './dto/head.query.dto';
import { SearchEventsQueryDto } from './dto/search-events.query.dto';
import { EventsService } from './events.service';

@ApiTags('events')
@Controller('events')
export class EventsHttpController {
  constructor(private readonly events: EventsService) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({ summary: 'Search events by aggregate, name, context, position or time range, and payload text' })
  search(@Query() query: SearchEventsQueryDto): Promise<SearchEventsResponse> {
    return this.events.search(query);
  }

  @Requires('viewer')
  @Get('head')
  @ApiOperation({ summary: 'The cursor and position of the newest readable event' })
  head(@Query() query: HeadQueryDto): Promise<HeadResponse> {
    return this.events.head(query);
  }
}
