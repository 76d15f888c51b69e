import { Injectable } from '@nestjs/common';
import { Aggregate, AggregateCommandHandler, type CommandContext, EventSourcingHandler } from '@evento/sdk';
import {
  AddTodoItem,
  CheckTodoItem,
  CompleteTodoList,
  CreateTodoList,
  DeleteTodoList,
  TodoItemAdded,
  TodoItemChecked,
  TodoListCompleted,
  TodoListCreated,
  TodoListDeleted,
} from './messages';

/** The aggregate's state: rebuilt from its events (or a snapshot) for every command. */
export interface TodoListState {
  name: string;
  owner: string;
  items: Record<string, { text: string; checked: boolean }>;
  completed: boolean;
}

export class TodoItemNotFoundError extends Error {
  override readonly name = 'TodoItemNotFoundError';
}
export class TodoItemAlreadyExistsError extends Error {
  override readonly name = 'TodoItemAlreadyExistsError';
}
export class TodoItemAlreadyCheckedError extends Error {
  override readonly name = 'TodoItemAlreadyCheckedError';
}
export class TodoListCompletedError extends Error {
  override readonly name = 'TodoListCompletedError';
}
export class TodoListNotDoneError extends Error {
  override readonly name = 'TodoListNotDoneError';
}

/** At most this many items per list. */
export const MAX_ITEMS = 200;

@Injectable()
@Aggregate({ snapshotFrequency: 10, description: 'A todo list: items are added, checked, and the list completes.' })
export class TodoListAggregate {
  /** How many commands reached a handler in this process (tests check validation stops bad ones first). */
  handled = 0;

  @AggregateCommandHandler({ init: true })
  create(command: CreateTodoList): TodoListCreated {
    this.handled += 1;
    return TodoListCreated.of({ listId: command.listId, name: command.name, owner: command.owner });
  }

  @AggregateCommandHandler()
  addItem(command: AddTodoItem, state: TodoListState): TodoItemAdded {
    this.handled += 1;
    if (state.completed) throw new TodoListCompletedError(`List ${command.listId} is completed`);
    if (state.items[command.itemId]) throw new TodoItemAlreadyExistsError(`Item ${command.itemId} exists`);
    if (Object.keys(state.items).length >= MAX_ITEMS) throw new RangeError(`A list holds at most ${MAX_ITEMS} items`);
    return TodoItemAdded.of({ listId: command.listId, itemId: command.itemId, text: command.text });
  }

  @AggregateCommandHandler()
  checkItem(command: CheckTodoItem, state: TodoListState): TodoItemChecked {
    this.handled += 1;
    const item = state.items[command.itemId];
    if (!item) throw new TodoItemNotFoundError(`No item ${command.itemId} in list ${command.listId}`);
    if (item.checked) throw new TodoItemAlreadyCheckedError(`Item ${command.itemId} is already checked`);
    return TodoItemChecked.of({ listId: command.listId, itemId: command.itemId });
  }

  @AggregateCommandHandler()
  complete(command: CompleteTodoList, state: TodoListState): TodoListCompleted {
    this.handled += 1;
    if (state.completed) throw new TodoListCompletedError(`List ${command.listId} is completed`);
    if (Object.values(state.items).some((item) => !item.checked)) {
      throw new TodoListNotDoneError(`List ${command.listId} has unchecked items`);
    }
    return TodoListCompleted.of({ listId: command.listId });
  }

  @AggregateCommandHandler()
  delete(command: DeleteTodoList, _state: TodoListState, context: CommandContext): TodoListDeleted {
    this.handled += 1;
    // Later commands find the aggregate deleted and are refused with AggregateDeletedError.
    context.deleteAggregate();
    return TodoListDeleted.of({ listId: command.listId });
  }

  @EventSourcingHandler()
  onCreated(event: TodoListCreated): TodoListState {
    return { name: event.name, owner: event.owner, items: {}, completed: false };
  }

  @EventSourcingHandler()
  onItemAdded(event: TodoItemAdded, state: TodoListState): TodoListState {
    return { ...state, items: { ...state.items, [event.itemId]: { text: event.text, checked: false } } };
  }

  @EventSourcingHandler()
  onItemChecked(event: TodoItemChecked, state: TodoListState): TodoListState {
    const item = state.items[event.itemId];
    return { ...state, items: { ...state.items, [event.itemId]: { ...item, checked: true } } };
  }

  @EventSourcingHandler()
  onCompleted(_event: TodoListCompleted, state: TodoListState): TodoListState {
    return { ...state, completed: true };
  }
}
