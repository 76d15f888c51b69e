/** The example's settings, from the environment, with defaults that fit `npm start` of the suite. */
export interface TodoListConfig {
  httpPort: number;
  natsServers: string[];
  subjectPrefix?: string;
  databaseUrl: string;
  schema: string;
  bundleToken?: string;
  instanceId?: string;
  projectorVersion: number;
}

export function loadTodoListConfig(env: Record<string, string | undefined> = process.env): TodoListConfig {
  const port = Number(env.TODOLIST_HTTP_PORT ?? 3100);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('TODOLIST_HTTP_PORT must be a port number');
  const schema = env.TODOLIST_SCHEMA ?? 'todolist';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error('TODOLIST_SCHEMA must be a lower-case SQL identifier');
  const prefix = env.NATS_SUBJECT_PREFIX || undefined;
  if (prefix && !/^[a-z0-9-]{1,64}(\.[a-z0-9-]{1,64}){0,3}$/.test(prefix)) {
    throw new Error('NATS_SUBJECT_PREFIX must be dot-separated tokens of a-z 0-9 -');
  }
  return {
    httpPort: port,
    natsServers: (env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((url) => url.trim()),
    subjectPrefix: prefix,
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/evento',
    schema,
    bundleToken: env.BUNDLE_TOKEN || undefined,
    instanceId: env.TODOLIST_INSTANCE_ID || undefined,
    projectorVersion: 1,
  };
}
