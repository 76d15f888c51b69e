import type { PayloadKind } from '@evento/contracts';

/*
 * Payloads are plain classes with class-validator rules. Their base class says what they are,
 * so the descriptor, the gateways and the runtime agree without extra configuration. The
 * payload's name on the wire is the class name, unless the class has `static payloadName`.
 */

/** Something a payload class may be built from: its own fields as plain JSON. */
export type PayloadFields<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K] };

abstract class PayloadBase {
  /**
   * A payload with the given fields: `CreateList.of({ listId, title })`. (A constructor
   * cannot do this: class fields are defined after the base constructor runs.)
   */
  static of<T extends object>(this: new () => T, fields: PayloadFields<T>): T {
    return Object.assign(new this(), fields);
  }
}

/** Payload property marked with @AggregateId(), per class prototype (inherited through the chain). */
const aggregateIdProperties = new WeakMap<object, string>();

/**
 * Marks the property of a domain command that holds the id of the aggregate it is for (what
 * `getAggregateId()` returns). The descriptor tells the server, which then takes the aggregate
 * id from the payload and refuses a request that names another one. Rarely needed: when
 * `getAggregateId()` returns one property as it is (`return this.accountId`), the SDK finds that
 * property by itself.
 */
export function AggregateId(): PropertyDecorator {
  return (prototype, property) => {
    if (typeof property !== 'string') throw new Error('@AggregateId() marks a property with a string name');
    // Keyed by the exact prototype: a subclass may mark another property than its base class.
    const marked = aggregateIdProperties.get(prototype);
    if (marked !== undefined && marked !== property) {
      const owner = (prototype as { constructor: { name: string } }).constructor.name;
      throw new Error(`${owner}: @AggregateId() marks both ${marked} and ${property}; a command has one aggregate`);
    }
    aggregateIdProperties.set(prototype, property);
  };
}

/** The property marked with @AggregateId() on the class or its nearest base class. */
function markedAggregateIdProperty(prototype: object): string | undefined {
  for (let current: object | null = prototype; current; current = Object.getPrototypeOf(current) as object | null) {
    const marked = aggregateIdProperties.get(current);
    if (marked !== undefined) return marked;
  }
  return undefined;
}

/** A command handled by an aggregate: names the aggregate it is for. */
export abstract class DomainCommand extends PayloadBase {
  abstract getAggregateId(): string;
}

/** Prefix of the values a probe hands to `getAggregateId()`; no real id starts with a NUL. */
const PROBE = '\u0000evento:aggregate-id-probe:';

/**
 * The payload property that holds a domain command's aggregate id, for the descriptor: the one
 * marked @AggregateId(), else the one `getAggregateId()` returns unchanged. The method is called
 * once on a probe whose every field answers with its own name; if it read exactly one field and
 * returned it as it is, that field is the aggregate id. Anything else (an id built from several
 * fields, a prefix, a method that throws) declares no property: callers then send `aggregateId`.
 */
export function aggregateIdPropertyOf(type: PayloadClass): string | undefined {
  const prototype = type.prototype as object;
  const marked = markedAggregateIdProperty(prototype);
  const method = (prototype as Partial<DomainCommand>).getAggregateId;
  const inferred = typeof method === 'function' ? probeAggregateId(prototype, method) : undefined;
  if (marked !== undefined && inferred !== undefined && marked !== inferred) {
    throw new Error(`${type.name}: getAggregateId() returns ${inferred} but @AggregateId() marks ${marked}`);
  }
  return marked ?? inferred;
}

function probeAggregateId(prototype: object, method: () => unknown): string | undefined {
  const read = new Set<string>();
  const probe: object = new Proxy(Object.create(prototype) as object, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target)) {
        read.add(key);
        return `${PROBE}${key}`;
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  let result: unknown;
  try {
    result = method.call(probe);
  } catch {
    return undefined;
  }
  if (typeof result !== 'string' || !result.startsWith(PROBE)) return undefined;
  const property = result.slice(PROBE.length);
  return read.size === 1 && read.has(property) ? property : undefined;
}

/** A command handled by a service. A lock id keeps commands with the same id from running at once. */
export abstract class ServiceCommand extends PayloadBase {
  getAggregateId(): string | undefined {
    return undefined;
  }

  getLockId(): string | undefined {
    return undefined;
  }
}

/** An event an aggregate decided: it evolves the aggregate's state. */
export abstract class DomainEvent extends PayloadBase {}

/** An event a service decided, or one published without a command. */
export abstract class ServiceEvent extends PayloadBase {}

/** What a projection returns. */
export abstract class View extends PayloadBase {}

/**
 * A question for a projection. `R` is what the projection answers: a view, an array of views,
 * or either with `null`; the query gateway returns it typed.
 */
export abstract class Query<R = unknown> extends PayloadBase {
  /** Type marker only, never set. */
  declare readonly __result?: R;
}

export type QueryResultOf<Q> = Q extends Query<infer R> ? R : never;

export type PayloadClass<T = object> = abstract new (...args: never[]) => T;

const KIND_BY_BASE: Array<[PayloadClass, PayloadKind]> = [
  [DomainCommand, 'domain-command'],
  [ServiceCommand, 'service-command'],
  [DomainEvent, 'domain-event'],
  [ServiceEvent, 'service-event'],
  [Query, 'query'],
  [View, 'view'],
];

/** The payload kind of a class, from its base class; undefined for anything else. */
export function payloadKindOf(type: PayloadClass): PayloadKind | undefined {
  for (const [base, kind] of KIND_BY_BASE) {
    if (type === base || type.prototype instanceof base) return kind;
  }
  return undefined;
}

/** The payload's name on the wire. */
export function payloadNameOf(type: PayloadClass): string {
  const explicit = (type as unknown as { payloadName?: unknown }).payloadName;
  return typeof explicit === 'string' && explicit.length > 0 ? explicit : type.name;
}

/** The JSON of a payload or view: own enumerable fields, no methods, no class. */
export function toPlain(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value ?? {})) as Record<string, unknown>;
}
