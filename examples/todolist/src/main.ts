import 'reflect-metadata';
import { createTodoListApp } from './bootstrap';
import { loadTodoListConfig } from './config';

async function main(): Promise<void> {
  const config = loadTodoListConfig();
  const app = await createTodoListApp(config);
  await app.listen(config.httpPort);
  process.stdout.write(`TodoList on http://127.0.0.1:${config.httpPort} (Swagger UI at /docs)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`TodoList failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
