import { Module } from '@nestjs/common';
import { AggregatesHttpController } from './aggregates/aggregates.http.controller';
import { AggregatesMessageController } from './aggregates/aggregates.message.controller';
import { AggregatesService } from './aggregates/aggregates.service';
import { AppendedNotifier } from './events/appended.notifier';
import { EventsHttpController } from './events/events.http.controller';
import { EventsMessageController } from './events/events.message.controller';
import { EventsRepository } from './events/events.repository';
import { EventsService } from './events/events.service';

/** The event log: appends with group commit, ordered reads, stories, snapshots, search. */
@Module({
  controllers: [EventsMessageController, EventsHttpController, AggregatesMessageController, AggregatesHttpController],
  providers: [EventsRepository, EventsService, AppendedNotifier, AggregatesService],
})
export class EventStoreModule {}
