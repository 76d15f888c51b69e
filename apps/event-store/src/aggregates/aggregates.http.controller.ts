import { type SnapshotBody, type StoryResponse } from '@evento/contracts';
import { Requires } from '@evento/platform';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseAggregateIdPipe } from './aggregate-id.pipe';
import { AggregatesService } from './aggregates.service';
import { StoryQueryDto } from './dto/story.query.dto';

@ApiTags('aggregates')
@Controller('aggregates')
export class AggregatesHttpController {
  constructor(private readonly aggregates: AggregatesService) {}

  @Requires('viewer')
  @Get(':aggregateId')
  @ApiOperation({ summary: "An aggregate's story: its snapshot and the events after it (paged)" })
  story(
    @Param('aggregateId', ParseAggregateIdPipe) aggregateId: string,
    @Query() query: StoryQueryDto,
  ): Promise<StoryResponse> {
    return this.aggregates.story({ aggregateId, ...query });
  }

  @Requires('viewer')
  @Get(':aggregateId/snapshot')
  @ApiOperation({ summary: "An aggregate's latest snapshot" })
  snapshot(@Param('aggregateId', ParseAggregateIdPipe) aggregateId: string): Promise<SnapshotBody> {
    return this.aggregates.loadSnapshot(aggregateId);
  }
}
