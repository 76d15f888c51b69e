import {
  type CommandResult,
  GatewayContracts,
  GatewayRoutesRequest,
  type GatewayRoutesResponse,
  PublishEventRequest,
  type PublishResult,
  type QueryResult,
  SendCommandRequest,
  SendQueryRequest,
} from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, type NatsContext, Payload } from '@nestjs/microservices';
import type { MsgHdrs } from '@nats-io/transport-node';
import { CommandsService } from '../commands/commands.service';
import { PublishService } from '../publish/publish.service';
import { QueriesService } from '../queries/queries.service';
import { RequestReader } from '../requests/request-reader';
import { RoutesView } from '../routing/routes.view';

function headersOf(context: NatsContext): (name: string) => string | undefined {
  const headers = context.getHeaders() as MsgHdrs | undefined;
  return (name) => (headers?.has(name) ? headers.get(name) : undefined);
}

/** What bundles send to the gateway over NATS. */
@Controller()
export class GatewayMessageController {
  constructor(
    private readonly reader: RequestReader,
    private readonly commands: CommandsService,
    private readonly queries: QueriesService,
    private readonly publisher: PublishService,
    private readonly routes: RoutesView,
  ) {}

  @MessagePattern(GatewayContracts.command.subject)
  command(@Payload() request: SendCommandRequest, @Ctx() nats: NatsContext): Promise<CommandResult> {
    return this.commands.send(request, this.reader.fromBundle(headersOf(nats)));
  }

  @MessagePattern(GatewayContracts.query.subject)
  query(@Payload() request: SendQueryRequest, @Ctx() nats: NatsContext): Promise<QueryResult> {
    return this.queries.send(request, this.reader.fromBundle(headersOf(nats)));
  }

  @MessagePattern(GatewayContracts.publish.subject)
  publish(@Payload() request: PublishEventRequest, @Ctx() nats: NatsContext): Promise<PublishResult> {
    return this.publisher.publish(request, this.reader.fromBundle(headersOf(nats)));
  }

  @MessagePattern(GatewayContracts.routes.subject)
  table(@Payload() request: GatewayRoutesRequest): GatewayRoutesResponse {
    return this.routes.view(request.payload);
  }
}
