import { Module } from '@nestjs/common';
import { GatewayMetricsModule } from '../metrics/metrics.module';
import { RequestsModule } from '../requests/requests.module';
import { PublishService } from './publish.service';

/** Events published on a topic without a command. */
@Module({
  imports: [RequestsModule, GatewayMetricsModule],
  providers: [PublishService],
  exports: [PublishService],
})
export class PublishModule {}
