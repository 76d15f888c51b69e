import { type ErrorBody, type NewEvent, type OrderingMode } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { connectTestNats } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';

/** Helpers shared by the event store's integration tests (not a test file itself). */

export const MODES: OrderingMode[] = ['CPES', 'APES'];

export interface Nats {
  nc: NatsConnection;
  client: ContractClient;
}

/** A connection on this file's subject prefix, the one the apps started by startApp serve. */
export async function connectNats(): Promise<Nats> {
  const nc = await connectTestNats();
  return { nc, client: new ContractClient(() => nc) };
}

export function event(eventId: string, eventName = 'Happened', payload: Record<string, unknown> = {}): NewEvent {
  return { eventId, eventName, payload };
}

/**
 * Reader cursors as comparable tuples: CPES `"42"` is [42n]; APES `"<txid>:<position>"` is
 * [txid, position]. Tuples compare element by element.
 */
function cursorKey(cursor: string, mode: OrderingMode): bigint[] {
  if (cursor === '') return mode === 'CPES' ? [0n] : [0n, 0n];
  if (mode === 'CPES') {
    if (!/^\d+$/.test(cursor)) throw new Error(`Not a CPES cursor: ${cursor}`);
    return [BigInt(cursor)];
  }
  const match = /^(\d+):(\d+)$/.exec(cursor);
  if (!match) throw new Error(`Not an APES cursor: ${cursor}`);
  return [BigInt(match[1]), BigInt(match[2])];
}

/** Negative, zero or positive like a comparator. */
export function compareCursors(a: string, b: string, mode: OrderingMode): number {
  const [x, y] = [cursorKey(a, mode), cursorKey(b, mode)];
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

/** Sends raw bytes on a subject and returns the parsed reply envelope and its size. */
export async function rawRequest(
  nc: NatsConnection,
  subject: string,
  body: string | Uint8Array,
  timeout = 5_000,
): Promise<{ reply: { data?: unknown; error?: ErrorBody }; bytes: number }> {
  const message = await nc.request(subject, body, { timeout });
  return { reply: JSON.parse(message.string()) as { data?: unknown; error?: ErrorBody }, bytes: message.data.length };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
