import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query as QueryParams,
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ERROR_CODES, HTTP_STATUS_BY_CODE } from '@evento/contracts';
import { EventoError } from '@evento/sdk';
import type { Response } from 'express';
import { TodoListInvoker } from '../domain/todo-list.invoker';
import { TodoListView } from '../domain/messages';
import { Accepted, AddItemBody, CreatedItem, CreatedList, CreateListBody, ListsByOwnerParams } from './dto';

@ApiTags('todo lists')
@Controller('lists')
export class TodoListHttpController {
  constructor(private readonly invoker: TodoListInvoker) {}

  @Post()
  @ApiOperation({ summary: 'Create a todo list' })
  @ApiOkResponse({ type: CreatedList })
  async create(@Body() body: CreateListBody): Promise<CreatedList> {
    const { listId, result } = await this.invoker.createList(body.name, body.owner);
    return { listId, position: result.event!.position };
  }

  @Post(':listId/items')
  @ApiOperation({ summary: 'Add an item to a list' })
  @ApiOkResponse({ type: CreatedItem })
  async addItem(@Param('listId') listId: string, @Body() body: AddItemBody): Promise<CreatedItem> {
    const { itemId, result } = await this.invoker.addItem(listId, body.text);
    return { itemId, position: result.event!.position };
  }

  @Post(':listId/items/:itemId/check')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check an item; the list completes when its last item is checked' })
  @ApiOkResponse({ type: Accepted })
  async check(@Param('listId') listId: string, @Param('itemId') itemId: string): Promise<Accepted> {
    const result = await this.invoker.checkItem(listId, itemId);
    return { position: result.event!.position };
  }

  @Delete(':listId')
  @ApiOperation({ summary: 'Delete a list: it refuses every later command' })
  @ApiOkResponse({ type: Accepted })
  async remove(@Param('listId') listId: string): Promise<Accepted> {
    const result = await this.invoker.deleteList(listId);
    return { position: result.event!.position };
  }

  @Get(':listId')
  @ApiOperation({ summary: 'A list, as the projection sees it' })
  @ApiOkResponse({ type: TodoListView })
  async get(@Param('listId') listId: string): Promise<TodoListView> {
    const view = await this.invoker.getList(listId);
    if (!view) throw new NotFoundException(`No list ${listId}`);
    return view;
  }

  @Get()
  @ApiOperation({ summary: "An owner's lists, a page at a time" })
  @ApiOkResponse({ type: [TodoListView] })
  byOwner(@QueryParams() params: ListsByOwnerParams): Promise<TodoListView[]> {
    return this.invoker.listsByOwner(params.owner, params.page ?? 1, params.pageSize ?? 20);
  }
}

/** The server's error codes become HTTP statuses; the body keeps code, message and details. */
@Catch(EventoError)
export class EventoErrorFilter implements ExceptionFilter {
  catch(error: EventoError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const status = ERROR_CODES.includes(error.code) ? HTTP_STATUS_BY_CODE[error.code] : 500;
    response.status(status).json(error.toBody());
  }
}
