import { Injectable } from '@nestjs/common';
import { Projection, QueryHandler } from '@evento/sdk';
import { TodoListReadModel } from '../read-model/todo-list.read-model';
import { GetTodoList, ListTodoListsByOwner, TodoListView } from './messages';

@Injectable()
@Projection({ description: 'Todo lists by id and by owner' })
export class TodoListProjection {
  constructor(private readonly readModel: TodoListReadModel) {}

  @QueryHandler({ returns: TodoListView })
  byId(query: GetTodoList): Promise<TodoListView | null> {
    return this.readModel.byId(query.listId);
  }

  @QueryHandler({ returns: TodoListView, many: true })
  byOwner(query: ListTodoListsByOwner): Promise<TodoListView[]> {
    return this.readModel.byOwner(query.owner, query.page ?? 1, query.pageSize ?? 20);
  }
}
