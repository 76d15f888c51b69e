import {
  type BundleDescriptor,
  type HelloRequest,
  PROTOCOL_VERSION,
  RegistryContracts,
  type RoutingChanged,
  type WelcomeResponse,
} from '@evento/contracts';
import type { ContractClient } from '@evento/platform';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

/** A hello as a bundle instance would send it; override what the test is about. */
export function helloFor(bundleId: string, overrides: Partial<HelloRequest> = {}): HelloRequest {
  return {
    bundleId,
    bundleVersion: '1.0.0',
    instanceId: `${bundleId}-${randomBytes(4).toString('hex')}`,
    protocolVersion: PROTOCOL_VERSION,
    location: { host: 'test-host', pid: process.pid },
    ...overrides,
  };
}

export async function join(client: ContractClient, hello: HelloRequest): Promise<WelcomeResponse> {
  return client.request(RegistryContracts.hello, hello);
}

export function session(welcome: WelcomeResponse): { instanceId: string; sessionId: string } {
  return { instanceId: welcome.instanceId, sessionId: welcome.sessionId };
}

/** Collects routing.changed notifications, as a gateway would receive them. */
export class RoutingChanges {
  readonly received: RoutingChanged[] = [];
  private readonly subscription: Subscription;

  constructor(nc: NatsConnection) {
    this.subscription = nc.subscribe(RegistryContracts.routingChanged.subject, {
      callback: (error, msg) => {
        if (!error) this.received.push(JSON.parse(msg.string()) as RoutingChanged);
      },
    });
  }

  of(instanceId: string): string[] {
    return this.received.filter((change) => change.instanceId === instanceId).map((change) => change.reason);
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}

/** A small but complete descriptor: every component type, handler kinds, payloads with schemas. */
export function todoDescriptor(): BundleDescriptor {
  return {
    description: 'Todo lists',
    detail: '# Todo\nLists and items.',
    repositoryUrl: 'https://github.com/example/todo',
    linePrefix: 'L',
    components: [
      {
        type: 'aggregate',
        name: 'TodoListAggregate',
        description: 'A todo list',
        path: 'src/todo/TodoListAggregate.ts',
        line: 12,
        handlers: [
          {
            handlerType: 'aggregate-command',
            payload: 'CreateTodoList',
            returnType: 'TodoListCreated',
            line: 20,
          },
          { handlerType: 'event-sourcing', payload: 'TodoListCreated', line: 30 },
        ],
      },
      {
        type: 'projection',
        name: 'TodoListProjection',
        handlers: [{ handlerType: 'query', payload: 'FindTodoLists', returnType: 'TodoListView', returnsMany: true }],
      },
      {
        type: 'projector',
        name: 'TodoListProjector',
        handlers: [{ handlerType: 'event', payload: 'TodoListCreated' }],
      },
      {
        type: 'saga',
        name: 'ReminderSaga',
        handlers: [
          {
            handlerType: 'saga-event',
            payload: 'TodoListCreated',
            associationProperty: 'listId',
            invokedCommands: ['SendReminder'],
            invokedQueries: ['FindTodoLists'],
          },
        ],
      },
      {
        type: 'service',
        name: 'ReminderService',
        handlers: [{ handlerType: 'service-command', payload: 'SendReminder', returnType: 'ReminderSent' }],
      },
      { type: 'observer', name: 'AuditObserver', handlers: [{ handlerType: 'event', payload: 'TodoListCreated' }] },
      {
        type: 'invoker',
        name: 'TodoInvoker',
        handlers: [{ handlerType: 'invocation', payload: 'CreateFromUi', invokedCommands: ['CreateTodoList'] }],
      },
    ],
    payloads: [
      {
        name: 'CreateTodoList',
        kind: 'domain-command',
        domain: 'todo',
        description: 'Creates a list',
        schema: { type: 'object', properties: { listId: { type: 'string' } }, required: ['listId'] },
      },
      { name: 'TodoListCreated', kind: 'domain-event', domain: 'todo', schema: { type: 'object' } },
      { name: 'FindTodoLists', kind: 'query', schema: { type: 'object' } },
      { name: 'TodoListView', kind: 'view', schema: { type: 'object' } },
      { name: 'SendReminder', kind: 'service-command', schema: { type: 'object' } },
      { name: 'ReminderSent', kind: 'service-event' },
      { name: 'CreateFromUi', kind: 'invocation' },
    ],
  };
}

/**
 * The descriptor with every payload name, and every reference to one, suffixed: the same
 * components for another bundle, with payloads of its own (a bundle may not handle payloads
 * another bundle owns).
 */
export function withOwnPayloads(descriptor: BundleDescriptor, suffix: string): BundleDescriptor {
  const rename = (name: string) => `${name}${suffix}`;
  return {
    ...descriptor,
    components: descriptor.components.map((component) => ({
      ...component,
      handlers: component.handlers.map((handler) => ({
        ...handler,
        payload: rename(handler.payload),
        ...(handler.returnType ? { returnType: rename(handler.returnType) } : {}),
        ...(handler.invokedCommands ? { invokedCommands: handler.invokedCommands.map(rename) } : {}),
        ...(handler.invokedQueries ? { invokedQueries: handler.invokedQueries.map(rename) } : {}),
      })),
    })),
    payloads: descriptor.payloads.map((payload) => ({ ...payload, name: rename(payload.name) })),
  };
}
