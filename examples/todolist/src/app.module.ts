import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit, Inject } from '@nestjs/common';
import { EventoModule } from '@evento/sdk/nest';
import { TodoListHttpController } from './api/todo-list.http.controller';
import type { TodoListConfig } from './config';
import { TodoListAggregate } from './domain/todo-list.aggregate';
import { TodoListInvoker } from './domain/todo-list.invoker';
import { TodoListNotifier } from './domain/todo-list.observer';
import { TodoListProjection } from './domain/todo-list.projection';
import { TodoListProjector } from './domain/todo-list.projector';
import { TodoListCompletionSaga } from './domain/todo-list.saga';
import { TodoListReadModel } from './read-model/todo-list.read-model';

/** Creates the read model's tables before the bundle starts its projector. */
class ReadModelLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(TodoListReadModel) private readonly readModel: TodoListReadModel) {}

  async onModuleInit(): Promise<void> {
    await this.readModel.migrate();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.readModel.close();
  }
}

export interface TodoListModuleOptions {
  /** Replace a component class (tests swap in another projector version). */
  projector?: typeof TodoListProjector;
  /** More components (tests add a failing projector). */
  extraComponents?: Array<new (...args: never[]) => object>;
  /** Called after the scaler's drain stopped the bundle (main.ts exits the process). */
  onDrained?: () => void;
}

@Module({})
export class TodoListAppModule {
  static register(config: TodoListConfig, options: TodoListModuleOptions = {}): DynamicModule {
    return {
      module: TodoListAppModule,
      imports: [
        EventoModule.forRoot({
          bundleId: 'todolist',
          bundleVersion: '1.0.0',
          instanceId: config.instanceId,
          token: config.bundleToken,
          servers: config.natsServers,
          subjectPrefix: config.subjectPrefix,
          store: { postgres: { url: config.databaseUrl, schema: config.schema } },
          ...(config.autoscaling ? { autoscaling: config.autoscaling } : {}),
          ...(options.onDrained ? { onDrained: options.onDrained } : {}),
          descriptor: {
            description: 'The TodoList example of the Evento SDK',
            repositoryUrl: 'https://github.com/evento-server/evento-server-ts',
          },
        }),
      ],
      controllers: [TodoListHttpController],
      providers: [
        { provide: TodoListReadModel, useFactory: () => new TodoListReadModel(config.databaseUrl, config.schema) },
        ReadModelLifecycle,
        TodoListAggregate,
        options.projector ?? TodoListProjector,
        TodoListProjection,
        TodoListCompletionSaga,
        TodoListNotifier,
        TodoListInvoker,
        ...(options.extraComponents ?? []),
      ],
    };
  }
}
