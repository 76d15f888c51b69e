import { Injectable } from '@nestjs/common';
import { type EventContext, EventHandler, Projector } from '@evento/sdk';
import { TodoListReadModel } from '../read-model/todo-list.read-model';
import { TodoItemAdded, TodoItemChecked, TodoListCompleted, TodoListCreated, TodoListDeleted } from './messages';

/**
 * Keeps the read model. It writes through `context.db`, the transaction that also moves its
 * checkpoint, so each event is applied exactly once, across restarts and takeovers.
 */
@Injectable()
@Projector({ version: 1, waitForHeadReached: true, description: 'Todo lists read model' })
export class TodoListProjector {
  /** Events this process applied (tests check a restart does not apply them again). */
  applied = 0;

  constructor(private readonly readModel: TodoListReadModel) {}

  @EventHandler()
  async onCreated(event: TodoListCreated, context: EventContext): Promise<void> {
    await this.readModel.created(context.db!, event.listId, event.name, event.owner);
    this.applied += 1;
  }

  @EventHandler()
  async onItemAdded(event: TodoItemAdded, context: EventContext): Promise<void> {
    await this.readModel.itemAdded(context.db!, event.listId, event.itemId, event.text);
    this.applied += 1;
  }

  @EventHandler()
  async onItemChecked(event: TodoItemChecked, context: EventContext): Promise<void> {
    await this.readModel.itemChecked(context.db!, event.listId, event.itemId);
    this.applied += 1;
  }

  @EventHandler()
  async onCompleted(event: TodoListCompleted, context: EventContext): Promise<void> {
    await this.readModel.completed(context.db!, event.listId);
    this.applied += 1;
  }

  @EventHandler()
  async onDeleted(event: TodoListDeleted, context: EventContext): Promise<void> {
    await this.readModel.deleted(context.db!, event.listId);
    this.applied += 1;
  }
}
