import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AggregatesHttpController } from './aggregates.http.controller';
import { AggregatesMessageController } from './aggregates.message.controller';
import { AggregatesService } from './aggregates.service';

/** Aggregates over the log: stories, snapshots, deletion. */
@Module({
  imports: [EventsModule],
  controllers: [AggregatesMessageController, AggregatesHttpController],
  providers: [AggregatesService],
})
export class AggregatesModule {}
