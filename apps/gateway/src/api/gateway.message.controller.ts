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
import { type InboundMessage, Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { CommandsService } from '../commands/commands.service';
import { PublishService } from '../publish/publish.service';
import { QueriesService } from '../queries/queries.service';
import { RequestReader } from '../requests/request-reader';
import { RoutesView } from '../routing/routes.view';

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

  @Serve(GatewayContracts.command)
  command(request: SendCommandRequest, message: InboundMessage): Promise<CommandResult> {
    return this.commands.send(
      request,
      this.reader.fromBundle((name) => message.header(name)),
    );
  }

  @Serve(GatewayContracts.query)
  query(request: SendQueryRequest, message: InboundMessage): Promise<QueryResult> {
    return this.queries.send(
      request,
      this.reader.fromBundle((name) => message.header(name)),
    );
  }

  @Serve(GatewayContracts.publish)
  publish(request: PublishEventRequest, message: InboundMessage): Promise<PublishResult> {
    return this.publisher.publish(
      request,
      this.reader.fromBundle((name) => message.header(name)),
    );
  }

  @Serve(GatewayContracts.routes)
  table(request: GatewayRoutesRequest): GatewayRoutesResponse {
    return this.routes.view(request.payload);
  }
}
