import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module';
import { ModelMessageController } from './model.message.controller';
import { ModelService } from './model.service';

/** The performance model: the flow graph of the application and its queueing analysis. */
@Module({
  imports: [StorageModule],
  controllers: [ModelMessageController],
  providers: [ModelService],
  exports: [ModelService],
})
export class ModelModule {}
