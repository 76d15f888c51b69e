import { ErrorCode, type ErrorBody, EventoError } from './errors';
import { JsonLimits } from './protocol';

/**
 * On the wire a request is the plain JSON of its request class, and a reply is one of
 * `{ "data": <response> }` or `{ "error": { "code", "message", "details"? } }`.
 */
export type ReplyEnvelope<T> = { data: T } | { error: ErrorBody };

export function encodeReply<T>(reply: ReplyEnvelope<T>): string {
  return JSON.stringify(reply);
}

/**
 * Object keys the validation pipes strip from every body against prototype pollution. Refused,
 * so a request is never acknowledged with part of its data silently gone.
 */
const STRIPPED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks a parsed JSON value once, without recursion, and refuses what could hurt a process or
 * the database: nesting deeper than `maxDepth`, more than `maxNodes` values, an object with
 * more than `maxKeysPerObject` keys, the NUL character (Postgres rejects it in text and jsonb)
 * and the keys `__proto__`, `constructor`, `prototype`.
 */
export function assertSafeJson(
  value: unknown,
  bounds: { maxDepth?: number; maxNodes?: number; maxKeysPerObject?: number } = {},
): void {
  const limits = { ...JsonLimits, ...bounds };
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    nodes += 1;
    if (nodes > limits.maxNodes) {
      throw new EventoError(ErrorCode.MALFORMED_MESSAGE, `JSON has more than ${limits.maxNodes} values`);
    }
    if (typeof current === 'string') {
      if (current.includes('\u0000')) {
        throw new EventoError(ErrorCode.MALFORMED_MESSAGE, 'JSON strings must not contain the NUL character');
      }
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limits.maxDepth) {
      throw new EventoError(ErrorCode.MALFORMED_MESSAGE, `JSON is nested deeper than ${limits.maxDepth} levels`);
    }
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
    } else {
      const keys = Object.keys(current);
      if (keys.length > limits.maxKeysPerObject) {
        throw new EventoError(
          ErrorCode.MALFORMED_MESSAGE,
          `JSON objects must not have more than ${limits.maxKeysPerObject} keys`,
        );
      }
      for (const key of keys) {
        const item = (current as Record<string, unknown>)[key];
        if (key.includes('\u0000')) {
          throw new EventoError(ErrorCode.MALFORMED_MESSAGE, 'JSON keys must not contain the NUL character');
        }
        if (STRIPPED_KEYS.has(key)) {
          throw new EventoError(
            ErrorCode.MALFORMED_MESSAGE,
            'JSON keys must not be __proto__, constructor or prototype',
          );
        }
        stack.push({ value: item, depth: depth + 1 });
      }
    }
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
/** Marks an array on the scan's stack (objects count their keys there). */
const ARRAY = -1;

/**
 * One pass over the raw bytes that bounds the shape of a JSON text before anything parses it:
 * nesting depth, keys per object and values in all. JSON.parse itself is not linear in the
 * keys of one object (95,000 keys cost V8 about 85 ms, 10,000 about 5 ms), so a huge object must
 * be refused before it is parsed. Strings are skipped, escapes included; the text is not
 * validated here (JSON.parse does that next), only counted.
 */
export function assertJsonShape(
  bytes: Uint8Array,
  bounds: { maxDepth?: number; maxNodes?: number; maxKeysPerObject?: number } = {},
): void {
  const limits = { ...JsonLimits, ...bounds };
  const stack: number[] = [];
  let values = 1;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      // Skip the string: a backslash escapes the next byte, whatever it is.
      for (i += 1; i < bytes.length && bytes[i] !== QUOTE; i += 1) if (bytes[i] === BACKSLASH) i += 1;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (stack.length >= limits.maxDepth) {
        throw new EventoError(ErrorCode.MALFORMED_MESSAGE, `JSON is nested deeper than ${limits.maxDepth} levels`);
      }
      stack.push(byte === OPEN_OBJECT ? 0 : ARRAY);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      stack.pop();
    } else if (byte === COLON) {
      const top = stack.length - 1;
      if (top >= 0 && stack[top] !== ARRAY && (stack[top] += 1) > limits.maxKeysPerObject) {
        throw new EventoError(
          ErrorCode.MALFORMED_MESSAGE,
          `JSON objects must not have more than ${limits.maxKeysPerObject} keys`,
        );
      }
    } else if (byte === COMMA && (values += 1) > limits.maxNodes) {
      throw new EventoError(ErrorCode.MALFORMED_MESSAGE, `JSON has more than ${limits.maxNodes} values`);
    }
  }
}

/**
 * Parses a request body under the protocol's limits: size, then shape (assertJsonShape, before
 * parsing), then UTF-8 JSON, then the values (assertSafeJson). Throws MALFORMED_MESSAGE or
 * PAYLOAD_TOO_LARGE.
 */
export function parseRequestBody(bytes: Uint8Array, maxBytes: number = JsonLimits.maxBytes): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new EventoError(ErrorCode.PAYLOAD_TOO_LARGE, `Body is larger than ${maxBytes} bytes`);
  }
  if (bytes.byteLength === 0) return {};
  assertJsonShape(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new EventoError(ErrorCode.MALFORMED_MESSAGE, 'Body is not valid UTF-8 JSON');
  }
  assertSafeJson(parsed);
  return parsed;
}
