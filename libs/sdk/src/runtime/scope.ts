import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a handler runs under: its deadline and correlation id (forwarded on every command and
 * query it sends) and who it is (for telemetry's invocation counts).
 */
export interface HandlerScope {
  /** Absolute deadline, ms since the epoch; undefined: none (consumers). */
  deadline?: number;
  correlationId?: string;
  component: string;
  handler: string;
  payload: string;
  /** Payload name → how many times this execution sent it. */
  invoked: Map<string, number>;
}

const storage = new AsyncLocalStorage<HandlerScope>();

export function runInScope<T>(scope: HandlerScope, work: () => T): T {
  return storage.run(scope, work);
}

export function currentScope(): HandlerScope | undefined {
  return storage.getStore();
}
