import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * A subject prefix of its own for each test file, so test runs (and a suite a developer has
 * running) share the NATS server without answering each other's requests.
 */
export const TEST_SUBJECT_PREFIX = `test-${randomBytes(4).toString('hex')}`;

/**
 * A NATS connection whose request, publish and subscribe add TEST_SUBJECT_PREFIX, so tests
 * use the plain `evento.v1.…` subjects while the apps under test serve prefixed ones.
 */
export async function connectTestNats(prefix = TEST_SUBJECT_PREFIX): Promise<NatsConnection> {
  const nc = await connect({ servers: TEST_NATS_URL });
  const prefixed = (subject: string) => `${prefix}.${subject}`;
  return new Proxy(nc, {
    get(target, property, receiver) {
      if (property === 'request' || property === 'publish' || property === 'subscribe') {
        const original = Reflect.get(target, property, receiver) as (subject: string, ...rest: unknown[]) => unknown;
        return (subject: string, ...rest: unknown[]) => original.call(target, prefixed(subject), ...rest);
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
