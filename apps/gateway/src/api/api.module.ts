import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { PublishModule } from '../publish/publish.module';
import { QueriesModule } from '../queries/queries.module';
import { RequestsModule } from '../requests/requests.module';
import { RoutingModule } from '../routing/routing.module';
import { GatewayHttpController } from './gateway.http.controller';
import { GatewayMessageController } from './gateway.message.controller';

/** The gateway's doors: its NATS subjects for bundles and its HTTP API for operators. */
@Module({
  imports: [RequestsModule, CommandsModule, QueriesModule, PublishModule, RoutingModule],
  controllers: [GatewayMessageController, GatewayHttpController],
})
export class ApiModule {}
