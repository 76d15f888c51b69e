import { Module } from '@nestjs/common';
import { AppendedNotifier } from './appended.notifier';
import { EventsHttpController } from './events.http.controller';
import { EventsMessageController } from './events.message.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** The event log: appends with group commit, ordered reads, search; the only owner of its tables. */
@Module({
  controllers: [EventsMessageController, EventsHttpController],
  providers: [EventsRepository, EventsService, AppendedNotifier],
  exports: [EventsRepository],
})
export class EventsModule {}
