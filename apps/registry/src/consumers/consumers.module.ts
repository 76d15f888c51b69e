import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { InstancesModule } from '../instances/instances.module';
import { ConsumersHttpController } from './consumers.http.controller';
import { ConsumersMessageController } from './consumers.message.controller';
import { ConsumersRepository } from './consumers.repository';
import { ConsumersService } from './consumers.service';

/** Consumers as live instances report them, and the operator's admin actions relayed to them. */
@Module({
  imports: [InstancesModule, ControlModule],
  controllers: [ConsumersMessageController, ConsumersHttpController],
  providers: [ConsumersRepository, ConsumersService],
  exports: [ConsumersRepository],
})
export class ConsumersModule {}
