import { Injectable, Logger } from '@nestjs/common';
import { type EventContext, EventHandler, Observer } from '@evento/sdk';
import { TodoListReadModel } from '../read-model/todo-list.read-model';
import { TodoListCompleted, TodoListCreated, TodoListDeleted } from './messages';

/** Notifies (here: logs and records) when a list is created, completed or deleted. */
@Injectable()
@Observer({ version: 1, description: 'Notifications about lists' })
export class TodoListNotifier {
  private readonly logger = new Logger(TodoListNotifier.name);

  constructor(private readonly readModel: TodoListReadModel) {}

  @EventHandler()
  async onCreated(event: TodoListCreated, context: EventContext): Promise<void> {
    await this.note(context, event.listId, `list "${event.name}" created for ${event.owner}`);
  }

  @EventHandler()
  async onCompleted(event: TodoListCompleted, context: EventContext): Promise<void> {
    await this.note(context, event.listId, 'list completed: every item is checked');
  }

  @EventHandler()
  async onDeleted(event: TodoListDeleted, context: EventContext): Promise<void> {
    await this.note(context, event.listId, 'list deleted');
  }

  private async note(context: EventContext, listId: string, message: string): Promise<void> {
    this.logger.log(`${listId}: ${message}`);
    if (context.db) await this.readModel.noted(context.db, context.event.position, context.event.eventName, listId);
  }
}
