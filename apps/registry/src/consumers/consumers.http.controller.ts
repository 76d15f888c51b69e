import { Requires } from '@evento/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseBundleIdPipe } from '../common/bundle-id.pipe';
import { ParseConsumerIdPipe, ParsePositionPipe } from './consumer-params.pipe';
import { ConsumersService } from './consumers.service';
import {
  type ConsumerDto,
  type ConsumerPageDto,
  ConsumersQueryDto,
  type RelayedConsumerActionDto,
  type RelayedConsumerStatusDto,
  ResetBodyDto,
  SetRetryBodyDto,
} from './dto/consumers.dto';

const RELAYED =
  'Relayed to the instance running the consumer actively: 404 NOT_FOUND when no live instance reports the consumer, ' +
  '503 NO_AVAILABLE_INSTANCE when instances report it but none runs it actively or listens, ' +
  "504 DEADLINE_EXCEEDED when it does not answer in CONSUMER_ADMIN_TIMEOUT_MS, else the instance's own error code";

@ApiTags('consumers')
@Controller('consumers')
export class ConsumersHttpController {
  constructor(private readonly consumers: ConsumersService) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({ summary: 'Consumers reported by live instances, per bundle, with the active instance (paged)' })
  list(@Query() query: ConsumersQueryDto): Promise<ConsumerPageDto> {
    return this.consumers.list(query.bundleId, query.page, query.pageSize);
  }

  @Requires('viewer')
  @Get(':bundleId/:consumerId')
  @ApiOperation({ summary: 'One consumer: every live instance that runs it, and which is active' })
  consumer(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('consumerId', ParseConsumerIdPipe) consumerId: string,
  ): Promise<ConsumerDto> {
    return this.consumers.consumer(bundleId, consumerId);
  }

  @Requires('viewer')
  @Get(':bundleId/:consumerId/status')
  @ApiOperation({ summary: 'Live status with the dead-event queue', description: RELAYED })
  status(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('consumerId', ParseConsumerIdPipe) consumerId: string,
  ): Promise<RelayedConsumerStatusDto> {
    return this.consumers.status(bundleId, consumerId);
  }

  @Requires('operator')
  @Put(':bundleId/:consumerId/dead-events/:position/retry')
  @ApiOperation({ summary: 'Flag (or unflag) a dead event for the next replay', description: RELAYED })
  setRetry(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('consumerId', ParseConsumerIdPipe) consumerId: string,
    @Param('position', ParsePositionPipe) position: string,
    @Body() body: SetRetryBodyDto,
  ): Promise<RelayedConsumerActionDto> {
    return this.consumers.setRetry(bundleId, consumerId, position, body.retry);
  }

  @Requires('admin')
  @Delete(':bundleId/:consumerId/dead-events/:position')
  @ApiOperation({ summary: 'Delete a dead event', description: RELAYED })
  deleteDead(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('consumerId', ParseConsumerIdPipe) consumerId: string,
    @Param('position', ParsePositionPipe) position: string,
  ): Promise<RelayedConsumerActionDto> {
    return this.consumers.deleteDead(bundleId, consumerId, position);
  }

  @Requires('operator')
  @Post(':bundleId/:consumerId/dead-events/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Process the dead events flagged for retry, now', description: RELAYED })
  replayDead(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('consumerId', ParseConsumerIdPipe) consumerId: string,
  ): Promise<RelayedConsumerActionDto> {
    return this.consumers.replayDead(bundleId, consumerId);
  }

  @Requires('operator')
  @Post(':bundleId/:consumerId/reset')
  @HttpCode(200)
  @ApiOperation({ summary: "Move the consumer's checkpoint ('' rebuilds from the start)", description: RELAYED })
  reset(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('consumerId', ParseConsumerIdPipe) consumerId: string,
    @Body() body: ResetBodyDto,
  ): Promise<RelayedConsumerActionDto> {
    return this.consumers.reset(bundleId, consumerId, body.cursor);
  }
}
