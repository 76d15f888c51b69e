import type { CommandResult, GatewayRoutesResponse, PublishResult, QueryResult } from '@evento/contracts';
import { Requires } from '@evento/platform';
import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CommandsService } from '../commands/commands.service';
import { PublishService } from '../publish/publish.service';
import { QueriesService } from '../queries/queries.service';
import { RequestReader } from '../requests/request-reader';
import { RoutesView } from '../routing/routes.view';
import {
  HttpCommandBody,
  HttpPublishBody,
  HttpQueryBody,
  PayloadNameParam,
  RoutesQuery,
} from './dto/http-requests.dto';

function headersOf(request: Request): (name: string) => string | undefined {
  return (name) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}

const RequestHeaders = () =>
  applyDecorators(
    ApiHeader({
      name: 'evento-request-id',
      required: false,
      description: 'A retry with the same id is answered, not run twice',
    }),
    ApiHeader({ name: 'evento-correlation-id', required: false }),
    ApiHeader({
      name: 'evento-deadline',
      required: false,
      description: 'Absolute deadline, ms since the epoch (default 30 s)',
    }),
  );

/** Try a system from Swagger UI: commands, queries and events by payload name. */
@ApiTags('gateway')
@Controller()
export class GatewayHttpController {
  constructor(
    private readonly reader: RequestReader,
    private readonly commands: CommandsService,
    private readonly queries: QueriesService,
    private readonly publisher: PublishService,
    private readonly routes: RoutesView,
  ) {}

  @Requires('operator')
  @Post('commands/:name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a command by name; answers with the stored event' })
  @RequestHeaders()
  command(
    @Param() params: PayloadNameParam,
    @Body() body: HttpCommandBody,
    @Req() req: Request,
  ): Promise<CommandResult> {
    return this.commands.send({ command: params.name, ...body }, this.reader.fromOperator(headersOf(req)));
  }

  @Requires('viewer')
  @Post('queries/:name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a query by name; answers with one view, a list of views or null' })
  @RequestHeaders()
  query(@Param() params: PayloadNameParam, @Body() body: HttpQueryBody, @Req() req: Request): Promise<QueryResult> {
    return this.queries.send({ query: params.name, ...body }, this.reader.fromOperator(headersOf(req)));
  }

  @Requires('operator')
  @Post('events/:name')
  @HttpCode(201)
  @ApiOperation({ summary: 'Publish an event to its topic (context + event name) without a command' })
  @RequestHeaders()
  publish(
    @Param() params: PayloadNameParam,
    @Body() body: HttpPublishBody,
    @Req() req: Request,
  ): Promise<PublishResult> {
    return this.publisher.publish({ eventName: params.name, ...body }, this.reader.fromOperator(headersOf(req)));
  }

  @Requires('viewer')
  @Get('routing')
  @ApiOperation({ summary: "This gateway's routing table: each command and query with the instances it routes to" })
  table(@Query() query: RoutesQuery): GatewayRoutesResponse {
    return this.routes.view(query.payload);
  }
}
