import type { ClassOf, EventContract, RequestContract } from '@evento/contracts';
import type { InboundMessage } from './inbound-message';

export interface ServeOptions {
  /**
   * Every replica of the app receives each message (no queue group): for notices each replica
   * must see, such as `routing.changed`. By default replicas share the subject's messages.
   */
  fanOut?: boolean;
  /**
   * Validate bodies as this class instead of the contract's own: a base class of it, whose
   * rules the contract's class extends. For batches whose entries the handler checks one by
   * one, so one bad entry does not cost the rest of its batch.
   */
  validateAs?: ClassOf<object>;
}

export type RequestHandler<Req, Res> = (body: Req, message: InboundMessage) => Res | Promise<Res>;
export type EventHandler<Body> = (body: Body, message: InboundMessage) => void | Promise<void>;

export interface ServeMetadata {
  contract: RequestContract<object, unknown> | EventContract<object>;
  options: ServeOptions;
}

/** Where @Serve keeps its metadata on a handler method. */
export const SERVE_METADATA = Symbol('evento:serve');

type MethodDecoratorFor<H> = <M extends H>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Declares that this controller method serves a contract's subject on NATS. The edge
 * (NatsEdge) finds it at boot, subscribes in the app's queue group, and hands the method the
 * parsed, bounded and validated body and the message's context. The method's signature is
 * checked against the contract: a request handler returns the contract's response, an event
 * handler returns nothing.
 */
export function Serve<Req extends object, Res>(
  contract: RequestContract<Req, Res>,
  options?: ServeOptions,
): MethodDecoratorFor<RequestHandler<Req, Res>>;
export function Serve<Body extends object>(
  contract: EventContract<Body>,
  options?: ServeOptions,
): MethodDecoratorFor<EventHandler<Body>>;
export function Serve(
  contract: RequestContract<object, unknown> | EventContract<object>,
  options: ServeOptions = {},
): MethodDecoratorFor<(...args: never[]) => unknown> {
  return (_target, _key, descriptor) => {
    if (typeof descriptor.value !== 'function') throw new Error(`@Serve(${contract.subject}) must decorate a method`);
    const metadata: ServeMetadata = { contract, options };
    Reflect.defineMetadata(SERVE_METADATA, metadata, descriptor.value);
  };
}
