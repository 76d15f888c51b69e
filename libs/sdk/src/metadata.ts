import { type ComponentType, DEFAULT_CONTEXT, type HandlerType } from '@evento/contracts';
import { type PayloadClass, payloadKindOf } from './payloads';

/** How a consumer retries a failing event before it goes to the dead-event queue. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5). `Infinity` blocks the consumer until it succeeds. */
  attempts?: number;
  /** Delay before the second attempt, doubled each time (default 200 ms). */
  delayMs?: number;
  /** Longest delay between attempts (default 30 s). */
  maxDelayMs?: number;
}

export interface ComponentOptions {
  /** Name in the catalog (default: the class name). */
  name?: string;
  description?: string;
}

export interface AggregateOptions extends ComponentOptions {
  /** Store a snapshot every this many events (default -1: never). */
  snapshotFrequency?: number;
}

export interface ConsumerOptions extends ComponentOptions {
  /** A new version is a new consumer: projectors rebuild from the start (default 1). */
  version?: number;
  /** Event store context to read (default `default`, where events without a context go; `*`: every context). */
  context?: string;
  retry?: RetryOptions;
}

export interface ProjectorOptions extends ConsumerOptions {
  /** The instance only enables itself once this projector reached the head (default false). */
  waitForHeadReached?: boolean;
}

export interface HandlerOptions {
  /** The handled payload class (default: the type of the first parameter). */
  payload?: PayloadClass;
  /** Commands and queries this handler sends, for the catalog's invocation graph. */
  invokes?: PayloadClass[];
}

export interface AggregateCommandHandlerOptions extends HandlerOptions {
  /** This command creates the aggregate: refused when it already exists. */
  init?: boolean;
  /** The event class it returns (default: the method's declared return type, when a class). */
  returns?: PayloadClass;
}

export interface ServiceCommandHandlerOptions extends HandlerOptions {
  returns?: PayloadClass;
}

export interface QueryHandlerOptions extends HandlerOptions {
  /** The view class the query answers with. */
  returns?: PayloadClass;
  /** The answer is a list of views. */
  many?: boolean;
}

export interface SagaEventHandlerOptions extends HandlerOptions {
  /** The event property whose value finds the saga instance. */
  associationProperty: string;
  /** This event starts a new saga instance. */
  init?: boolean;
}

export interface HandlerMeta {
  handlerType: HandlerType;
  method: string;
  payload?: PayloadClass;
  /** For invocations: the invocation's payload name. */
  payloadName?: string;
  returns?: PayloadClass;
  many?: boolean;
  init?: boolean;
  associationProperty?: string;
  invokes?: PayloadClass[];
}

export interface ComponentMeta {
  type: ComponentType;
  name: string;
  description?: string;
  snapshotFrequency: number;
  version: number;
  context: string;
  waitForHeadReached: boolean;
  retry: Required<RetryOptions>;
  handlers: HandlerMeta[];
}

export const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 5, delayMs: 200, maxDelayMs: 30_000 };

const components = new WeakMap<object, ComponentMeta>();
const pendingHandlers = new WeakMap<object, HandlerMeta[]>();

type Constructor = abstract new (...args: never[]) => unknown;

/** The component metadata of a decorated class (or of an instance's class). */
export function componentOf(target: object): ComponentMeta | undefined {
  return components.get(target) ?? components.get((target as { constructor: object }).constructor);
}

function componentDecorator(
  type: ComponentType,
  options: ComponentOptions & Partial<ProjectorOptions & AggregateOptions>,
) {
  return (target: Constructor): void => {
    const version = options.version ?? 1;
    if (!Number.isInteger(version) || version < 0) {
      throw new Error(`${target.name}: version must be a whole number >= 0`);
    }
    components.set(target, {
      type,
      name: options.name ?? target.name,
      description: options.description,
      snapshotFrequency: options.snapshotFrequency ?? -1,
      version,
      context: options.context ?? DEFAULT_CONTEXT,
      waitForHeadReached: options.waitForHeadReached ?? false,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      handlers: inheritedHandlers(target.prototype as object),
    });
  };
}

/** Handlers declared on the class and its base classes; a subclass's own method wins. */
function inheritedHandlers(prototype: object | null): HandlerMeta[] {
  const result: HandlerMeta[] = [];
  for (
    let current = prototype;
    current && current !== Object.prototype;
    current = Object.getPrototypeOf(current) as object | null
  ) {
    for (const handler of pendingHandlers.get(current) ?? []) {
      if (!result.some((known) => known.method === handler.method)) result.push(handler);
    }
  }
  return result;
}

export const Aggregate = (options: AggregateOptions = {}) => componentDecorator('aggregate', options);
export const Service = (options: ComponentOptions = {}) => componentDecorator('service', options);
export const Projector = (options: ProjectorOptions = {}) => componentDecorator('projector', options);
export const Projection = (options: ComponentOptions = {}) => componentDecorator('projection', options);
export const Saga = (options: ConsumerOptions = {}) => componentDecorator('saga', options);
export const Observer = (options: ConsumerOptions = {}) => componentDecorator('observer', options);
export const Invoker = (options: ComponentOptions = {}) => componentDecorator('invoker', options);

function handlerDecorator(handlerType: HandlerType, options: Partial<HandlerMeta> & HandlerOptions): MethodDecorator {
  return (prototype, method) => {
    const params = Reflect.getMetadata('design:paramtypes', prototype, method) as PayloadClass[] | undefined;
    const declaredReturn = Reflect.getMetadata('design:returntype', prototype, method) as PayloadClass | undefined;
    const payload = options.payload ?? params?.[0];
    const owner = (prototype as { constructor: { name: string } }).constructor.name;
    if (handlerType !== 'invocation' && (!payload || !payloadKindOf(payload))) {
      throw new Error(
        `${owner}.${String(method)}: the first parameter must be a payload class (extends DomainCommand, ServiceCommand, DomainEvent, ServiceEvent or Query), or pass { payload }`,
      );
    }
    const returns = options.returns ?? (declaredReturn && payloadKindOf(declaredReturn) ? declaredReturn : undefined);
    const list = pendingHandlers.get(prototype) ?? [];
    list.push({
      handlerType,
      method: String(method),
      payload: handlerType === 'invocation' ? undefined : payload,
      payloadName: handlerType === 'invocation' ? `${owner}.${String(method)}` : undefined,
      returns,
      many: options.many,
      init: options.init,
      associationProperty: options.associationProperty,
      invokes: options.invokes,
    });
    pendingHandlers.set(prototype, list);
  };
}

export const AggregateCommandHandler = (options: AggregateCommandHandlerOptions = {}) =>
  handlerDecorator('aggregate-command', options);
export const EventSourcingHandler = (options: HandlerOptions = {}) => handlerDecorator('event-sourcing', options);
export const ServiceCommandHandler = (options: ServiceCommandHandlerOptions = {}) =>
  handlerDecorator('service-command', options);
export const QueryHandler = (options: QueryHandlerOptions = {}) => handlerDecorator('query', options);
/** Projectors and observers. */
export const EventHandler = (options: HandlerOptions = {}) => handlerDecorator('event', options);
export const SagaEventHandler = (options: SagaEventHandlerOptions) => handlerDecorator('saga-event', options);
/** An invoker's entry point: recorded in telemetry and in the catalog. */
export const InvocationHandler = (options: HandlerOptions = {}) => handlerDecorator('invocation', options);
