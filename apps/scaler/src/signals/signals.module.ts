import { Module } from '@nestjs/common';
import { SignalsIngest } from './signals.ingest';
import { SignalsMessageController } from './signals.message.controller';
import { SignalsRepository } from './signals.repository';

/** Suffering and bored signals from bundle instances, stored in batches. */
@Module({
  controllers: [SignalsMessageController],
  providers: [SignalsIngest, SignalsRepository],
  exports: [SignalsIngest, SignalsRepository],
})
export class SignalsModule {}
