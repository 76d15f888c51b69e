import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { InstanceDispatcher } from './instance-dispatcher.service';
import { InstanceSelector } from './instance-selector';

/** Which instance gets a request, and the request/reply with it (deadlines, lost instances). */
@Module({
  imports: [RoutingModule],
  providers: [InstanceDispatcher, InstanceSelector],
  exports: [InstanceDispatcher, InstanceSelector],
})
export class DispatchModule {}
