import { Injectable } from '@nestjs/common';
import { type CommandResult } from '@evento/contracts';
import { CommandGateway, InvocationHandler, Invoker, QueryGateway } from '@evento/sdk';
import { randomUUID } from 'node:crypto';
import {
  AddTodoItem,
  CheckTodoItem,
  CreateTodoList,
  DeleteTodoList,
  GetTodoList,
  ListTodoListsByOwner,
  type TodoListView,
} from './messages';

/** The application's entry points: what the REST API calls. */
@Injectable()
@Invoker({ description: 'The todo list use cases behind the REST API' })
export class TodoListInvoker {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryGateway,
  ) {}

  @InvocationHandler({ invokes: [CreateTodoList] })
  async createList(name: string, owner: string): Promise<{ listId: string; result: CommandResult }> {
    const listId = randomUUID();
    const result = await this.commands.send(CreateTodoList.of({ listId, name, owner }));
    return { listId, result };
  }

  @InvocationHandler({ invokes: [AddTodoItem] })
  async addItem(listId: string, text: string): Promise<{ itemId: string; result: CommandResult }> {
    const itemId = randomUUID();
    const result = await this.commands.send(AddTodoItem.of({ listId, itemId, text }));
    return { itemId, result };
  }

  @InvocationHandler({ invokes: [CheckTodoItem] })
  checkItem(listId: string, itemId: string): Promise<CommandResult> {
    return this.commands.send(CheckTodoItem.of({ listId, itemId }));
  }

  @InvocationHandler({ invokes: [DeleteTodoList] })
  deleteList(listId: string): Promise<CommandResult> {
    return this.commands.send(DeleteTodoList.of({ listId }));
  }

  @InvocationHandler({ invokes: [GetTodoList] })
  getList(listId: string): Promise<TodoListView | null> {
    return this.queries.query(GetTodoList.of({ listId }));
  }

  @InvocationHandler({ invokes: [ListTodoListsByOwner] })
  listsByOwner(owner: string, page: number, pageSize: number): Promise<TodoListView[]> {
    return this.queries.query(ListTodoListsByOwner.of({ owner, page, pageSize }));
  }
}
