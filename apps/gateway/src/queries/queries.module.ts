import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { GatewayMetricsModule } from '../metrics/metrics.module';
import { RequestsModule } from '../requests/requests.module';
import { RoutingModule } from '../routing/routing.module';
import { QueriesService } from './queries.service';

/** Queries, sent to the least busy projection instance. */
@Module({
  imports: [RoutingModule, DispatchModule, RequestsModule, GatewayMetricsModule],
  providers: [QueriesService],
  exports: [QueriesService],
})
export class QueriesModule {}
