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

/** A command handled by an aggregate: names the aggregate it is for. */
export abstract class DomainCommand extends PayloadBase {
  abstract getAggregateId(): string;
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
