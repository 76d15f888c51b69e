import { Module } from '@nestjs/common';
import { RoutesView } from './routes.view';
import { RoutingTableService } from './routing-table.service';

/** The registry's routing table, kept current, and the view of it operators read. */
@Module({
  providers: [RoutingTableService, RoutesView],
  exports: [RoutingTableService, RoutesView],
})
export class RoutingModule {}
