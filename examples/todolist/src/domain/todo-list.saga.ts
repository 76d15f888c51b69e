import { Injectable } from '@nestjs/common';
import { Saga, type SagaContext, SagaEventHandler } from '@evento/sdk';
import {
  CompleteTodoList,
  TodoItemAdded,
  TodoItemChecked,
  TodoListCompleted,
  TodoListCreated,
  TodoListDeleted,
} from './messages';

export interface CompletionState extends Record<string, unknown> {
  /** Items added and not yet checked. */
  open: string[];
  items: number;
}

/** When the last item of a list is checked, completes the list. */
@Injectable()
@Saga({ version: 1, description: 'Completes a list once every item is checked' })
export class TodoListCompletionSaga {
  @SagaEventHandler({ associationProperty: 'listId', init: true })
  onCreated(_event: TodoListCreated): CompletionState {
    return { open: [], items: 0 };
  }

  @SagaEventHandler({ associationProperty: 'listId' })
  onItemAdded(event: TodoItemAdded, state: CompletionState): CompletionState {
    return { open: [...state.open, event.itemId], items: state.items + 1 };
  }

  @SagaEventHandler({ associationProperty: 'listId', invokes: [CompleteTodoList] })
  async onItemChecked(event: TodoItemChecked, state: CompletionState, context: SagaContext): Promise<CompletionState> {
    const open = state.open.filter((itemId) => itemId !== event.itemId);
    if (open.length === 0 && state.items > 0) {
      await context.commandGateway.send(CompleteTodoList.of({ listId: event.listId }));
    }
    return { ...state, open };
  }

  @SagaEventHandler({ associationProperty: 'listId' })
  onCompleted(_event: TodoListCompleted, state: CompletionState, context: SagaContext): CompletionState {
    context.end();
    return state;
  }

  @SagaEventHandler({ associationProperty: 'listId' })
  onDeleted(_event: TodoListDeleted, state: CompletionState, context: SagaContext): CompletionState {
    context.end();
    return state;
  }
}
