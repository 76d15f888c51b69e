import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { EventoErrorFilter } from './api/todo-list.http.controller';
import { TodoListAppModule, type TodoListModuleOptions } from './app.module';
import type { TodoListConfig } from './config';

/** The example app: the bundle, its REST API and Swagger UI at /docs. */
export async function createTodoListApp(
  config: TodoListConfig,
  options: TodoListModuleOptions & { logger?: false | Array<'log' | 'warn' | 'error'> } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(TodoListAppModule.register(config, options), {
    logger: options.logger ?? ['log', 'warn', 'error'],
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new EventoErrorFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('TodoList').setDescription('The TodoList example bundle of the Evento SDK').build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
