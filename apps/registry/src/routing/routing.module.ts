import { Module } from '@nestjs/common';
import { RoutingHttpController } from './routing.http.controller';
import { RoutingMessageController } from './routing.message.controller';
import { RoutingRepository } from './routing.repository';
import { RoutingService } from './routing.service';

/** The routing table gateways load, and the change notices that tell them to reload it. */
@Module({
  controllers: [RoutingMessageController, RoutingHttpController],
  providers: [RoutingRepository, RoutingService],
  exports: [RoutingService],
})
export class RoutingModule {}
