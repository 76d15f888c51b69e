import { Module } from '@nestjs/common';
import { InstanceControl } from './instance-control';

/** Requests and messages to one instance's control subject. */
@Module({
  providers: [InstanceControl],
  exports: [InstanceControl],
})
export class ControlModule {}
