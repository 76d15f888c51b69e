import {
  type BundleDescriptor,
  Headers,
  instanceSubjects,
  type InstanceWork,
  PROTOCOL_VERSION,
  RegistryContracts,
  type WelcomeResponse,
} from '@evento/contracts';
import type { ContractClient } from '@evento/platform';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

export type Reply = { data: unknown } | { error: { code: string; message: string; details?: unknown } };

/** What a simulated instance received: the work, its headers and when. */
export interface Received {
  work: InstanceWork;
  requestId: string | undefined;
  correlationId: string | undefined;
  deadline: number | undefined;
  at: number;
}

export type WorkHandler = (work: InstanceWork, received: Received) => Promise<Reply> | Reply;

/**
 * A bundle instance speaking the protocol with a plain NATS client, as a bundle in any
 * language would: hello, discover, enable, heartbeats, and answers on its requests subject.
 */
export class SimulatedBundle {
  readonly received: Received[] = [];
  readonly instanceId: string;
  welcome: WelcomeResponse | undefined;
  private subscription: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly client: ContractClient,
    readonly bundleId: string,
    private readonly descriptor: BundleDescriptor,
    private readonly handle: WorkHandler,
    instanceId?: string,
  ) {
    this.instanceId = instanceId ?? `${bundleId}-${randomBytes(3).toString('hex')}`;
  }

  async start(): Promise<void> {
    this.welcome = await this.client.request(RegistryContracts.hello, {
      bundleId: this.bundleId,
      bundleVersion: '1.0.0',
      instanceId: this.instanceId,
      protocolVersion: PROTOCOL_VERSION,
      location: { host: 'test-host', pid: process.pid },
    });
    // The welcome names the subject as it is on NATS; the test connection adds the prefix itself.
    this.subscription = this.nc.subscribe(instanceSubjects(this.bundleId, this.instanceId).requests, {
      callback: (_error, msg) => void this.answer(msg),
    });
    await this.nc.flush();
    await this.client.request(RegistryContracts.discover, { ...this.session, descriptor: this.descriptor });
    await this.client.request(RegistryContracts.enable, this.session);
    this.heartbeat = setInterval(() => {
      this.client.request(RegistryContracts.heartbeat, this.session).catch(() => undefined);
    }, this.welcome.heartbeatIntervalMs);
  }

  get session(): { instanceId: string; sessionId: string } {
    return { instanceId: this.instanceId, sessionId: this.welcome!.sessionId };
  }

  /** Leaves politely: disable, goodbye. */
  async stop(): Promise<void> {
    this.halt();
    await this.client.request(RegistryContracts.goodbye, this.session).catch(() => undefined);
  }

  /** Dies: stops answering and beating, says nothing; its lease runs out. */
  crash(): void {
    this.halt();
  }

  private halt(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.subscription?.unsubscribe();
  }

  private async answer(msg: Msg): Promise<void> {
    const work = JSON.parse(msg.string()) as InstanceWork;
    const header = (name: string) => (msg.headers?.has(name) ? msg.headers.get(name) : undefined);
    const received: Received = {
      work,
      requestId: header(Headers.requestId),
      correlationId: header(Headers.correlationId),
      deadline: header(Headers.deadline) ? Number(header(Headers.deadline)) : undefined,
      at: Date.now(),
    };
    this.received.push(received);
    let reply: Reply;
    try {
      reply = await this.handle(work, received);
    } catch (error) {
      reply = { error: { code: 'HANDLER_FAILED', message: String(error), details: { errorName: 'Error' } } };
    }
    // A crashed instance that was still working never answers.
    if (this.subscription?.isClosed()) return;
    msg.respond(JSON.stringify(reply));
  }
}

/** A counter bundle: aggregate `Counter` (domain commands), a service, a query. */
export function counterDescriptor(): BundleDescriptor {
  const object = { type: 'object' };
  return {
    components: [
      {
        type: 'aggregate',
        name: 'Counter',
        handlers: [
          { handlerType: 'aggregate-command', payload: 'CreateCounter', returnType: 'CounterCreated' },
          { handlerType: 'aggregate-command', payload: 'Increment', returnType: 'Incremented' },
          { handlerType: 'aggregate-command', payload: 'DeleteCounter', returnType: 'CounterDeleted' },
          { handlerType: 'event-sourcing', payload: 'CounterCreated' },
          { handlerType: 'event-sourcing', payload: 'Incremented' },
        ],
      },
      {
        type: 'service',
        name: 'Mailer',
        handlers: [{ handlerType: 'service-command', payload: 'SendMail', returnType: 'MailSent' }],
      },
      {
        type: 'projection',
        name: 'CounterProjection',
        handlers: [{ handlerType: 'query', payload: 'FindCounter', returnType: 'CounterView' }],
      },
    ],
    payloads: [
      {
        name: 'CreateCounter',
        kind: 'domain-command',
        schema: { type: 'object', properties: { start: { type: 'integer' } }, additionalProperties: false },
      },
      {
        name: 'Increment',
        kind: 'domain-command',
        schema: { type: 'object', properties: { by: { type: 'integer', minimum: 1 } }, required: ['by'] },
      },
      { name: 'DeleteCounter', kind: 'domain-command', schema: object },
      { name: 'CounterCreated', kind: 'domain-event', schema: object },
      { name: 'Incremented', kind: 'domain-event', schema: object },
      { name: 'CounterDeleted', kind: 'domain-event', schema: object },
      { name: 'SendMail', kind: 'service-command', schema: object },
      { name: 'MailSent', kind: 'service-event', schema: object },
      { name: 'FindCounter', kind: 'query', schema: object },
      { name: 'CounterView', kind: 'view', schema: object },
      { name: 'Announcement', kind: 'service-event', schema: { type: 'object', required: ['text'] } },
    ],
  };
}

/** The counter's rules, as an aggregate in a bundle would apply them to the story it is sent. */
export function counterRules(work: InstanceWork): Reply {
  if (work.type !== 'domain-command') return { data: { event: null } };
  const { story } = work;
  if (story.deleted) {
    return {
      error: {
        code: 'HANDLER_FAILED',
        message: 'The counter was deleted',
        details: { errorName: 'AggregateDeletedError' },
      },
    };
  }
  const exists = story.version > 0;
  let value = (story.snapshot?.state.value as number | undefined) ?? 0;
  for (const event of story.events) value = (event.payload.value as number | undefined) ?? value;
  switch (work.command) {
    case 'CreateCounter':
      if (exists) {
        return {
          error: {
            code: 'HANDLER_FAILED',
            message: 'Already created',
            details: { errorName: 'AggregateInitializedError' },
          },
        };
      }
      return {
        data: { event: { eventName: 'CounterCreated', payload: { value: (work.payload.start as number) ?? 0 } } },
      };
    case 'Increment': {
      if (!exists) {
        return {
          error: {
            code: 'HANDLER_FAILED',
            message: 'No such counter',
            details: { errorName: 'AggregateNotInitializedError', stack: 'at Counter.increment' },
          },
        };
      }
      const next = value + ((work.payload.by as number) ?? 1);
      const snapshotEvery = 5;
      return {
        data: {
          event: { eventName: 'Incremented', payload: { value: next }, metadata: { by: work.payload.by } },
          ...((story.version + 1) % snapshotEvery === 0 ? { snapshot: { state: { value: next } } } : {}),
        },
      };
    }
    case 'DeleteCounter':
      return { data: { event: { eventName: 'CounterDeleted', payload: { value } }, deleteAggregate: true } };
    default:
      return { error: { code: 'NO_HANDLER', message: `No handler for ${work.command}` } };
  }
}

/**
 * An account bundle whose domain commands say where their aggregate id is: `accountId` in the
 * payload (the descriptor's `aggregateIdProperty`), so callers may leave `aggregateId` out.
 */
export function accountDescriptor(): BundleDescriptor {
  const object = { type: 'object' };
  const withAccount = {
    type: 'object',
    properties: { accountId: { type: 'string' }, amount: { type: 'integer' } },
  };
  return {
    components: [
      {
        type: 'aggregate',
        name: 'Account',
        handlers: [
          { handlerType: 'aggregate-command', payload: 'OpenAccount', returnType: 'AccountOpened' },
          { handlerType: 'aggregate-command', payload: 'Deposit', returnType: 'Deposited' },
          { handlerType: 'event-sourcing', payload: 'AccountOpened' },
          { handlerType: 'event-sourcing', payload: 'Deposited' },
        ],
      },
    ],
    payloads: [
      { name: 'OpenAccount', kind: 'domain-command', schema: withAccount, aggregateIdProperty: 'accountId' },
      { name: 'Deposit', kind: 'domain-command', schema: withAccount, aggregateIdProperty: 'accountId' },
      { name: 'AccountOpened', kind: 'domain-event', schema: object },
      { name: 'Deposited', kind: 'domain-event', schema: object },
    ],
  };
}

/** The account's rules: open once, deposit into an open account; each event repeats the command's accountId. */
export function accountRules(work: InstanceWork): Reply {
  if (work.type !== 'domain-command') return { error: { code: 'NO_HANDLER', message: 'accounts only' } };
  const exists = work.story.version > 0;
  const accountId = work.payload.accountId;
  if (work.command === 'OpenAccount') {
    if (exists) {
      return { error: { code: 'HANDLER_FAILED', message: 'Already open', details: { errorName: 'AccountExists' } } };
    }
    return { data: { event: { eventName: 'AccountOpened', payload: { accountId } } } };
  }
  if (!exists) {
    return { error: { code: 'HANDLER_FAILED', message: 'No such account', details: { errorName: 'NoAccount' } } };
  }
  return { data: { event: { eventName: 'Deposited', payload: { accountId, amount: work.payload.amount } } } };
}
