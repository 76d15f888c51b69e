import type { AutoscalingOptions } from '@evento/sdk';

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
  /** The SDK's thread-count signals for the scaler; off unless TODOLIST_AUTOSCALING_MAX_IN_FLIGHT is set. */
  autoscaling?: AutoscalingOptions;
  /** Exit the process once the scaler's drain stopped the bundle (what a deployed instance does). */
  exitOnDrain: boolean;
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
    autoscaling: loadAutoscaling(env),
    exitOnDrain: env.TODOLIST_EXIT_ON_DRAIN !== 'false',
  };
}

function loadAutoscaling(env: Record<string, string | undefined>): AutoscalingOptions | undefined {
  const count = (name: string, min: number): number | undefined => {
    const raw = env[`TODOLIST_AUTOSCALING_${name}`];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`TODOLIST_AUTOSCALING_${name} must be an integer >= ${min}`);
    }
    return value;
  };
  const maxInFlight = count('MAX_IN_FLIGHT', 0);
  if (maxInFlight === undefined) return undefined;
  return {
    maxInFlight,
    minInFlight: count('MIN_IN_FLIGHT', 0),
    maxOverflow: count('MAX_OVERFLOW', 1),
    maxUnderflow: count('MAX_UNDERFLOW', 1),
    boredTimeoutMs: count('BORED_TIMEOUT_MS', 10),
  };
}
