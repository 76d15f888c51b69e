import type { BundleDescriptor, HandlerType } from '@evento/contracts';

/**
 * Handlers whose payload their bundle takes: the commands and queries the gateway routes to one
 * bundle, and the events an aggregate is made of (an aggregate applies the events it emits).
 * Consumers (`event`, `saga-event`) take nothing: any number of bundles read one event.
 */
export const CLAIMS_HANDLED: readonly HandlerType[] = [
  'aggregate-command',
  'service-command',
  'query',
  'event-sourcing',
];

/** Handlers whose declared return type is an event their bundle produces, so takes. */
export const CLAIMS_RETURNED: readonly HandlerType[] = ['aggregate-command', 'service-command'];

/** One payload a descriptor takes, with the first handler that takes it (for error messages). */
export interface PayloadClaim {
  payload: string;
  componentName: string;
  handlerType: HandlerType;
  /** `handles`: the handler handles the payload; `returns`: it produces it (its return type). */
  as: 'handles' | 'returns';
}

/**
 * The payloads a descriptor takes ownership of, sorted by name (every claimer locks them in the
 * same order, so two bundles claiming at once never deadlock). Views and invocations are never
 * claimed: nothing routes them.
 */
export function payloadClaims(descriptor: BundleDescriptor): PayloadClaim[] {
  const claims = new Map<string, PayloadClaim>();
  const claim = (entry: PayloadClaim) => {
    if (!claims.has(entry.payload)) claims.set(entry.payload, entry);
  };
  for (const component of descriptor.components) {
    for (const handler of component.handlers) {
      const at = { componentName: component.name, handlerType: handler.handlerType };
      if (CLAIMS_HANDLED.includes(handler.handlerType)) claim({ payload: handler.payload, ...at, as: 'handles' });
      if (handler.returnType !== undefined && CLAIMS_RETURNED.includes(handler.handlerType)) {
        claim({ payload: handler.returnType, ...at, as: 'returns' });
      }
    }
  }
  return [...claims.values()].sort((a, b) => byCodePoints(a.payload, b.payload));
}

/**
 * The one order every claimer and releaser locks owner rows in (code points, not the database's
 * collation), so two transactions that take the same names never wait on each other in a cycle.
 */
export function byCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
