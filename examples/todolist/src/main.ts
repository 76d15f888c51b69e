import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { createTodoListApp } from './bootstrap';
import { loadTodoListConfig } from './config';

async function main(): Promise<void> {
  const config = loadTodoListConfig();
  const started: { app?: INestApplication } = {};
  // A drained instance has nothing left to do: close the app (HTTP server, read model) and leave.
  const onDrained = config.exitOnDrain
    ? () => {
        process.stdout.write('TodoList drained: exiting\n');
        void (started.app?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      }
    : undefined;
  const app = await createTodoListApp(config, { onDrained });
  started.app = app;
  await app.listen(config.httpPort);
  // The port actually bound (TODOLIST_HTTP_PORT=0 picks a free one).
  const server = app.getHttpServer() as { address(): { port: number } | string | null };
  const address = server.address();
  process.stdout.write(
    `TodoList on http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.httpPort} (Swagger UI at /docs)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`TodoList failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
