import { Module } from '@nestjs/common';
import { RoutesView } from './routes.view';
import { RoutingMessageController } from './routing.message.controller';
import { RoutingTableService } from './routing-table.service';

/** The registry's routing table, kept current (every routing.changed notice), and the view of it operators read. */
@Module({
  controllers: [RoutingMessageController],
  providers: [RoutingTableService, RoutesView],
  exports: [RoutingTableService, RoutesView],
})
export class RoutingModule {}
