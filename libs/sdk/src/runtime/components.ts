import { plainToInstance } from 'class-transformer';
import { compileValidator, ErrorCode, EventoError } from '@evento/contracts';
import { type ComponentMeta, componentOf, type HandlerMeta } from '../metadata';
import { type PayloadClass, payloadNameOf } from '../payloads';

/** One decorated handler, bound to its component instance. */
export interface BoundHandler {
  component: ComponentMeta;
  instance: object;
  meta: HandlerMeta;
  payloadName: string;
  call(...args: unknown[]): unknown;
}

/** Every decorated component of the bundle, indexed the ways the runtime looks them up. */
export class ComponentSet {
  readonly components: Array<{ meta: ComponentMeta; instance: object }> = [];
  /** Commands and queries by payload name. */
  readonly requestHandlers = new Map<string, BoundHandler>();

  constructor(instances: object[]) {
    for (const instance of instances) {
      const meta = componentOf(instance);
      if (!meta) {
        throw new Error(`${instance.constructor.name} is not a component: decorate it with @Aggregate, @Projector, …`);
      }
      if (this.components.some((c) => c.meta.name === meta.name)) {
        throw new Error(`Two components are named ${meta.name}`);
      }
      this.components.push({ meta, instance });
      for (const handler of meta.handlers) {
        if (!['aggregate-command', 'service-command', 'query'].includes(handler.handlerType)) continue;
        const bound = bind(meta, instance, handler);
        if (this.requestHandlers.has(bound.payloadName)) {
          throw new Error(`${bound.payloadName} is handled twice in this bundle`);
        }
        this.requestHandlers.set(bound.payloadName, bound);
      }
    }
  }

  /** The event-sourcing handlers of an aggregate, by event name. */
  eventSourcingHandlers(component: ComponentMeta, instance: object): Map<string, BoundHandler> {
    return handlersOf(component, instance, 'event-sourcing');
  }

  ofType(type: ComponentMeta['type']) {
    return this.components.filter((c) => c.meta.type === type);
  }
}

export function bind(component: ComponentMeta, instance: object, meta: HandlerMeta): BoundHandler {
  const fn = (instance as Record<string, unknown>)[meta.method];
  if (typeof fn !== 'function') throw new Error(`${component.name}.${meta.method} is not a method`);
  return {
    component,
    instance,
    meta,
    payloadName: meta.payload ? payloadNameOf(meta.payload) : `${component.name}.${meta.method}`,
    call: (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(instance, args),
  };
}

export function handlersOf(component: ComponentMeta, instance: object, type: HandlerMeta['handlerType']) {
  const map = new Map<string, BoundHandler>();
  for (const handler of component.handlers) {
    if (handler.handlerType !== type) continue;
    const bound = bind(component, instance, handler);
    map.set(bound.payloadName, bound);
  }
  return map;
}

/**
 * A payload as its class, checked against the class's rules by the suite's validation engine
 * (undeclared properties dropped, initialisers as defaults): VALIDATION_FAILED when it breaks
 * them. class-transformer only builds the instance (nested `@Nested` classes included).
 */
export function toValidPayload(type: PayloadClass, payload: unknown, name: string): object {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new EventoError(ErrorCode.VALIDATION_FAILED, `${name} must be a JSON object`);
  }
  let valid: object;
  try {
    valid = compileValidator(type)(payload);
  } catch (error) {
    if (!(error instanceof EventoError) || error.code !== ErrorCode.VALIDATION_FAILED) throw error;
    throw new EventoError(ErrorCode.VALIDATION_FAILED, `${name} is invalid: ${error.message}`, error.details);
  }
  return plainToInstance(type as new () => object, valid);
}

/** A stored payload as its class, without validation (events are facts, already accepted). */
export function toPayloadInstance(type: PayloadClass | undefined, payload: unknown): object {
  if (!type) return payload as object;
  return plainToInstance(type as new () => object, payload as object);
}
