import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { DomainCommand, DomainEvent, Nested, Query, View } from '@evento/sdk';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_MESSAGE = 'must be 1-64 of A-Z a-z 0-9 _ -';

// Commands: what may be asked of a todo list. Their rules are checked before the aggregate runs.

export class CreateTodoList extends DomainCommand {
  @Matches(ID, { message: `listId ${ID_MESSAGE}` })
  listId: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Matches(ID, { message: `owner ${ID_MESSAGE}` })
  owner: string;

  getAggregateId(): string {
    return this.listId;
  }
}

export class AddTodoItem extends DomainCommand {
  @Matches(ID, { message: `listId ${ID_MESSAGE}` })
  listId: string;

  @Matches(ID, { message: `itemId ${ID_MESSAGE}` })
  itemId: string;

  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text: string;

  getAggregateId(): string {
    return this.listId;
  }
}

export class CheckTodoItem extends DomainCommand {
  @Matches(ID, { message: `listId ${ID_MESSAGE}` })
  listId: string;

  @Matches(ID, { message: `itemId ${ID_MESSAGE}` })
  itemId: string;

  getAggregateId(): string {
    return this.listId;
  }
}

/** Sent by the saga once every item is checked. */
export class CompleteTodoList extends DomainCommand {
  @Matches(ID, { message: `listId ${ID_MESSAGE}` })
  listId: string;

  getAggregateId(): string {
    return this.listId;
  }
}

export class DeleteTodoList extends DomainCommand {
  @Matches(ID, { message: `listId ${ID_MESSAGE}` })
  listId: string;

  getAggregateId(): string {
    return this.listId;
  }
}

// Events: what happened to a todo list.

export class TodoListCreated extends DomainEvent {
  @IsString()
  listId: string;

  @IsString()
  name: string;

  @IsString()
  owner: string;
}

export class TodoItemAdded extends DomainEvent {
  @IsString()
  listId: string;

  @IsString()
  itemId: string;

  @IsString()
  text: string;
}

export class TodoItemChecked extends DomainEvent {
  @IsString()
  listId: string;

  @IsString()
  itemId: string;
}

export class TodoListCompleted extends DomainEvent {
  @IsString()
  listId: string;
}

export class TodoListDeleted extends DomainEvent {
  @IsString()
  listId: string;
}

// Views and queries: what the projection answers.

export class TodoItemView {
  @ApiProperty()
  @IsString()
  itemId: string;

  @ApiProperty()
  @IsString()
  text: string;

  @ApiProperty()
  @IsBoolean()
  checked: boolean;
}

export class TodoListView extends View {
  @ApiProperty()
  @IsString()
  listId: string;

  @ApiProperty()
  @IsString()
  name: string;

  @ApiProperty()
  @IsString()
  owner: string;

  @ApiProperty({ type: [TodoItemView] })
  @Nested(() => TodoItemView, { each: true })
  items: TodoItemView[];

  @ApiProperty()
  @IsBoolean()
  completed: boolean;

  @ApiProperty({ description: 'Events applied to this view (each exactly once)' })
  @IsInt()
  appliedEvents: number;

  @ApiProperty()
  @IsString()
  updatedAt: string;
}

export class GetTodoList extends Query<TodoListView | null> {
  @Matches(ID, { message: `listId ${ID_MESSAGE}` })
  listId: string;
}

export class ListTodoListsByOwner extends Query<TodoListView[]> {
  @Matches(ID, { message: `owner ${ID_MESSAGE}` })
  owner: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}
