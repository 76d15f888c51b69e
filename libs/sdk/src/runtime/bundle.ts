import {
  ConfigurationMessage,
  type ConsumerLag,
  ConsumerDeleteDeadRequest,
  ConsumerReplayDeadRequest,
  ConsumerResetRequest,
  ConsumerSetRetryRequest,
  ConsumerStatusRequest,
  type BundleDescriptor,
  type BundleTelemetryBatch,
  compileValidator,
  encodeReply,
  ErrorCode,
  type ErrorBody,
  EventoError,
  EventStoreContracts,
  Headers,
  instanceSubjects,
  parseRequestBody,
  PROTOCOL_VERSION,
  RegistryContracts,
  ScalerContracts,
  type WelcomeResponse,
} from '@evento/contracts';
import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Consumer } from '../consumers/consumer';
import { InMemoryConsumerStore } from '../consumers/memory-store';
import { PostgresConsumerStore, type PostgresStoreOptions } from '../consumers/postgres-store';
import type { ConsumerStore } from '../consumers/store';
import { buildDescriptor, type DescriptorInfo } from '../descriptor';
import { errorMessage } from '../errors';
import { CommandGateway, type GatewayLink, QueryGateway } from '../gateways';
import { type AutoscalingOptions, ThreadCountAutoscaling } from './autoscaling';
import { ComponentSet } from './components';
import { Telemetry, type TelemetryOptions } from './telemetry';
import { Transport } from './transport';
import { WorkHandler } from './work-handler';
import { runInScope } from './scope';

export interface EventoLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EventoBundleOptions {
  /** 1-100 of A-Z a-z 0-9 _ - */
  bundleId: string;
  bundleVersion: string;
  /** Stable for the life of the process (default: bundle id + random suffix). */
  instanceId?: string;
  /** The bundle token the registry expects (BUNDLE_TOKEN / BUNDLE_TOKENS), if any. */
  token?: string;
  /** NATS server URLs; the client fails over between them and reconnects forever. */
  servers: string | string[];
  nats?: { user?: string; pass?: string; token?: string };
  /** The suite's NATS_SUBJECT_PREFIX, when it runs under one. */
  subjectPrefix?: string;
  /** Instances of the decorated components. */
  components: object[];
  /** Where consumers keep checkpoints, dead events and saga state (default: in memory). */
  store?: ConsumerStore | { postgres: PostgresStoreOptions };
  descriptor?: DescriptorInfo;
  /** Default timeout of commands and queries sent outside a handler (default 10 000 ms). */
  requestTimeoutMs?: number;
  consumers?: {
    /** Events per fetch (default 500). */
    fetchLimit?: number;
    /** Long-poll wait once at the head (default 10 000 ms). */
    waitMs?: number;
    /** How often a standby instance tries to take a consumer's lock (default 1000 ms). */
    lockRetryMs?: number;
  };
  telemetry?: TelemetryOptions;
  /** The thread-count autoscaling signals; off unless given. */
  autoscaling?: AutoscalingOptions;
  /** Back-off of the hello after a lost registry (default 500 ms doubling to 30 s, ±20 %). */
  reconnect?: { baseMs?: number; maxMs?: number };
  /** How long stop() waits for in-flight work (default 10 000 ms). */
  drainTimeoutMs?: number;
  /** Called after the server asked this instance to drain and it stopped (e.g. exit the process). */
  onDrained?: () => void;
  /**
   * Called with the bundle's configuration from the registry: the welcome's (before `start()`
   * resolves) and every change after it. See `EventoBundle.onConfiguration`.
   */
  onConfiguration?: ConfigurationListener;
  /** Send stack traces with HANDLER_FAILED (never in production; default false). */
  exposeStacks?: boolean;
  logger?: EventoLogger;
}

export type BundleState = 'initial' | 'joining' | 'joined' | 'enabled' | 'stopping' | 'stopped';

/**
 * The bundle's configuration as the registry holds it (secrets in clear): the key/value settings
 * operators keep per bundle. `version` grows by one with every change; 0 and no values when none
 * is set (or before the first welcome). Frozen: read it, never change it.
 */
export interface BundleConfigurationView {
  readonly version: number;
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Called when the bundle's configuration changed: with the welcome's configuration, when it
 * holds any, and with every later change the registry delivers. `previous` is what the bundle
 * held before. Changes reach the callbacks one at a time, in version order; an error thrown
 * (or a rejected promise) is logged and changes nothing.
 */
export type ConfigurationListener = (
  current: BundleConfigurationView,
  previous: BundleConfigurationView,
) => void | Promise<void>;

const NO_CONFIGURATION: BundleConfigurationView = Object.freeze({ version: 0, values: Object.freeze({}) });

/**
 * One running instance of a bundle: its NATS connection, its session with the registry
 * (hello, discovery, heartbeats, enable, goodbye), the work the gateway routes to it, its
 * consumers, telemetry and autoscaling signals.
 */
export class EventoBundle {
  readonly bundleId: string;
  readonly instanceId: string;
  readonly commandGateway: CommandGateway;
  readonly queryGateway: QueryGateway;
  readonly store: ConsumerStore;
  readonly components: ComponentSet;
  readonly descriptor: BundleDescriptor;
  readonly consumers: Consumer[] = [];
  private nc?: NatsConnection;
  private transportInstance?: Transport;
  private welcome?: WelcomeResponse;
  private subscriptions: Subscription[] = [];
  private heartbeatTimer?: NodeJS.Timeout;
  private state: BundleState = 'initial';
  private wantEnabled = false;
  private inFlight = 0;
  private idle?: () => void;
  private readonly telemetry: Telemetry;
  private readonly autoscaling?: ThreadCountAutoscaling;
  private readonly workHandler: WorkHandler;
  private readonly logger: EventoLogger;
  private enabledWaiters: Array<() => void> = [];
  private rejoining?: Promise<void>;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private lastCpu = process.cpuUsage();
  private lastCpuAt = Date.now();
  private reportTimer?: NodeJS.Timeout;
  private configurationHeld: BundleConfigurationView = NO_CONFIGURATION;
  private readonly configurationListeners = new Set<ConfigurationListener>();
  /** Deliveries to the listeners, chained so they run one change at a time, in order. */
  private configurationDelivery: Promise<void> = Promise.resolve();

  constructor(private readonly options: EventoBundleOptions) {
    this.bundleId = options.bundleId;
    this.instanceId = options.instanceId ?? `${options.bundleId}-${randomBytes(4).toString('hex')}`;
    this.logger = options.logger ?? stderrLogger(this.instanceId);
    const link: GatewayLink = {
      transport: () => this.transport,
      source: () => ({ bundleId: this.bundleId, instanceId: this.instanceId }),
    };
    this.commandGateway = new CommandGateway(link);
    this.queryGateway = new QueryGateway(link);
    this.store =
      options.store === undefined
        ? new InMemoryConsumerStore()
        : 'postgres' in options.store
          ? new PostgresConsumerStore(options.store.postgres)
          : options.store;
    this.components = new ComponentSet(options.components);
    this.descriptor = buildDescriptor(
      this.components.components.map((c) => c.meta),
      options.descriptor,
    );
    this.telemetry = new Telemetry(
      options.telemetry ?? {},
      () => ({ bundleId: this.bundleId, instanceId: this.instanceId }),
      () => this.transportInstance,
      () => this.resources(),
      () => this.consumerLags(),
    );
    if (options.autoscaling) {
      this.autoscaling = new ThreadCountAutoscaling(options.autoscaling, (signal, inFlight, capacity) =>
        this.transportInstance?.publish(ScalerContracts.signal, {
          bundleId: this.bundleId,
          instanceId: this.instanceId,
          signal,
          inFlight,
          capacity,
        }),
      );
    }
    this.workHandler = new WorkHandler({
      components: this.components,
      transport: () => this.transport,
      commandGateway: this.commandGateway,
      queryGateway: this.queryGateway,
      telemetry: this.telemetry,
      exposeStacks: options.exposeStacks ?? false,
    });
    const consumerOptions = options.consumers ?? {};
    for (const type of ['projector', 'saga', 'observer'] as const) {
      for (const { meta, instance } of this.components.ofType(type)) {
        if (meta.handlers.length === 0) continue;
        this.consumers.push(
          new Consumer(this.bundleId, meta, instance, {
            store: this.store,
            transport: () => this.transport,
            commandGateway: this.commandGateway,
            queryGateway: this.queryGateway,
            telemetry: this.telemetry,
            log: (level, message) => (level === 'info' ? this.logger.log(message) : this.logger[level](message)),
            changed: () => this.consumersChanged(),
            fetchLimit: consumerOptions.fetchLimit ?? 500,
            waitMs: consumerOptions.waitMs ?? 10_000,
            lockRetryMs: consumerOptions.lockRetryMs ?? 1_000,
          }),
        );
      }
    }
    this.wrapInvokers();
    if (options.onConfiguration) this.configurationListeners.add(options.onConfiguration);
  }

  get transport(): Transport {
    if (!this.transportInstance) throw new EventoError(ErrorCode.UNAVAILABLE, 'The bundle is not started');
    return this.transportInstance;
  }

  get status(): BundleState {
    return this.state;
  }

  /** The session's welcome (undefined before the first hello succeeded). */
  get session(): WelcomeResponse | undefined {
    return this.welcome;
  }

  /**
   * The bundle's configuration now: the latest version the registry delivered (in a welcome or
   * a change), `{ version: 0, values: {} }` before any.
   */
  get configuration(): BundleConfigurationView {
    return this.configurationHeld;
  }

  /**
   * Calls `listener` on every later configuration change (see `ConfigurationListener`); read
   * `configuration` for the current one. Returns a function that stops the calls.
   */
  onConfiguration(listener: ConfigurationListener): () => void {
    this.configurationListeners.add(listener);
    return () => this.configurationListeners.delete(listener);
  }

  /**
   * Connects, says hello, sends the descriptor and starts the consumers. Resolves once the
   * registry knows the instance; it enables itself when its gating projectors caught up
   * (`enabled()` resolves then). Refused credentials or protocol version reject at once.
   */
  async start(): Promise<void> {
    if (this.state !== 'initial') throw new Error(`Cannot start a bundle that is ${this.state}`);
    this.state = 'joining';
    this.loopDelay.enable();
    const servers = Array.isArray(this.options.servers) ? this.options.servers : this.options.servers.split(',');
    this.nc = await connect({
      servers: servers.map((s) => s.trim()),
      name: this.instanceId,
      user: this.options.nats?.user,
      pass: this.options.nats?.pass,
      token: this.options.nats?.token,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    });
    const nc = this.nc;
    this.transportInstance = new Transport(
      () => nc,
      this.options.subjectPrefix,
      this.options.requestTimeoutMs ?? 10_000,
      {
        bundleId: this.bundleId,
        token: this.options.token,
      },
    );
    void this.watchNats(nc);
    await this.store.init();
    const subjects = instanceSubjects(this.bundleId, this.instanceId);
    this.subscriptions.push(
      nc.subscribe(this.transport.subject(subjects.requests), {
        callback: (error, msg) => this.onMessage(error, msg, 'work'),
      }),
      nc.subscribe(this.transport.subject(subjects.control), {
        callback: (error, msg) => this.onMessage(error, msg, 'control'),
      }),
    );
    await nc.flush();
    try {
      await this.join(true);
      // The welcome's configuration has reached the callbacks before start() resolves.
      await this.configurationDelivery;
    } catch (error) {
      // Refused (token, protocol version, descriptor): leave nothing open behind.
      this.state = 'stopped';
      await nc.close().catch(() => undefined);
      await this.store.close().catch(() => undefined);
      throw error;
    }
    this.state = 'joined';
    for (const consumer of this.consumers) consumer.start();
    this.telemetry.start();
    this.autoscaling?.start();
    this.reportTimer = setInterval(() => void this.reportConsumers(), 30_000);
    this.reportTimer.unref();
    this.maybeEnable();
    this.scheduleHeartbeat();
  }

  /** Resolves once the instance is enabled (gets routed work). */
  enabled(): Promise<void> {
    if (this.state === 'enabled') return Promise.resolve();
    return new Promise((resolve) => this.enabledWaiters.push(resolve));
  }

  /** Disable, finish in-flight work, stop consumers, say goodbye, close connections. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'initial') return;
    this.state = 'stopping';
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.reportTimer);
    this.wantEnabled = false;
    if (this.welcome) {
      await this.transport
        .request(RegistryContracts.disable, this.sessionRef(), { timeoutMs: 2_000 })
        .catch((error: unknown) => this.logger.warn(`disable failed: ${errorMessage(error)}`));
    }
    await this.waitIdle(this.options.drainTimeoutMs ?? 10_000);
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    if (this.welcome) {
      await this.transport
        .request(RegistryContracts.goodbye, this.sessionRef(), { timeoutMs: 2_000 })
        .catch((error: unknown) => this.logger.warn(`goodbye failed: ${errorMessage(error)}`));
    }
    this.telemetry.stop();
    this.autoscaling?.stop();
    this.loopDelay.disable();
    await this.nc?.drain().catch(() => undefined);
    await this.store.close();
    this.state = 'stopped';
  }

  /**
   * Stops as a crash would: no disable, no goodbye, connections dropped. The registry finds
   * out when the lease expires; other instances take the consumers over. For tests.
   */
  async abort(): Promise<void> {
    this.state = 'stopping';
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.reportTimer);
    this.telemetry.stop();
    this.autoscaling?.stop();
    const stopping = Promise.all(this.consumers.map((consumer) => consumer.stop()));
    if (this.store instanceof PostgresConsumerStore) await this.store.abort();
    await this.nc?.close().catch(() => undefined);
    await stopping.catch(() => undefined);
    await this.store.close().catch(() => undefined);
    this.state = 'stopped';
  }

  consumer(componentName: string): Consumer | undefined {
    return this.consumers.find((consumer) => consumer.meta.name === componentName);
  }

  // --- session with the registry ---

  private sessionRef() {
    return { instanceId: this.instanceId, sessionId: this.welcome!.sessionId };
  }

  /** Hello and discovery, retried with back-off while the registry cannot be reached. */
  private async join(first: boolean): Promise<void> {
    const base = this.options.reconnect?.baseMs ?? 500;
    const max = this.options.reconnect?.maxMs ?? 30_000;
    for (let attempt = 0; ; attempt += 1) {
      if (this.state === 'stopping' || this.state === 'stopped') return;
      try {
        this.welcome = await this.transport.request(RegistryContracts.hello, {
          bundleId: this.bundleId,
          bundleVersion: this.options.bundleVersion,
          instanceId: this.instanceId,
          protocolVersion: PROTOCOL_VERSION,
          ...(this.options.token ? { token: this.options.token } : {}),
          location: { host: hostname().slice(0, 255), pid: process.pid },
        });
        this.checkWelcomeSubjects(this.welcome);
        if (this.welcome.configuration) {
          // A configuration the bundle cannot read must not keep it out of the cluster.
          try {
            this.applyConfiguration({ type: 'configuration', bundleId: this.bundleId, ...this.welcome.configuration });
          } catch (error) {
            this.logger.warn(`welcome configuration ignored: ${errorMessage(error)}`);
          }
        }
        await this.transport.request(RegistryContracts.discover, { ...this.sessionRef(), descriptor: this.descriptor });
        this.logger.log(`joined the registry as ${this.instanceId} (session ${this.welcome.sessionId})`);
        if (this.wantEnabled) await this.transport.request(RegistryContracts.enable, this.sessionRef());
        void this.reportConsumers();
        return;
      } catch (error) {
        const fatal =
          error instanceof EventoError &&
          [
            ErrorCode.UNAUTHORIZED,
            ErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
            ErrorCode.VALIDATION_FAILED,
            ErrorCode.CONFLICT,
          ].includes(error.code as 'UNAUTHORIZED');
        if (fatal && first) throw error;
        const delay = Math.min(max, base * 2 ** Math.min(attempt, 16)) * (0.8 + Math.random() * 0.4);
        this.logger.warn(`registry join failed (${errorMessage(error)}); again in ${Math.round(delay)} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * The welcome names the subjects as they are on NATS (prefix included): the ones this
   * instance subscribed to before its hello. A difference means the registry runs under another
   * subject prefix than `subjectPrefix` (no work would arrive), or is a registry older than the
   * prefixed welcome: worth a warning either way, never a reason to refuse the session.
   */
  private checkWelcomeSubjects(welcome: WelcomeResponse): void {
    const own = instanceSubjects(this.bundleId, this.instanceId);
    const listening = [this.transport.subject(own.requests), this.transport.subject(own.control)];
    const told = [welcome.subjects?.requests, welcome.subjects?.control];
    if (told.some((subject, i) => subject !== undefined && subject !== listening[i])) {
      this.logger.warn(
        `the registry names this instance's subjects ${told.join(', ')} but it listens on ${listening.join(', ')}: ` +
          'check subjectPrefix against the suite NATS_SUBJECT_PREFIX',
      );
    }
  }

  /**
   * Takes a configuration (from a welcome or a control message) when it is newer than the one
   * held and for this bundle; anything else changes nothing. True when it was taken.
   */
  private applyConfiguration(body: unknown): boolean {
    const message = checked(ConfigurationMessage, body);
    if (message.bundleId !== this.bundleId || message.version <= this.configurationHeld.version) return false;
    const previous = this.configurationHeld;
    const current: BundleConfigurationView = Object.freeze({
      version: message.version,
      values: Object.freeze({ ...message.values }),
    });
    this.configurationHeld = current;
    this.configurationDelivery = this.configurationDelivery.then(() => this.deliverConfiguration(current, previous));
    return true;
  }

  private async deliverConfiguration(current: BundleConfigurationView, previous: BundleConfigurationView) {
    for (const listener of [...this.configurationListeners]) {
      try {
        await listener(current, previous);
      } catch (error) {
        this.logger.error(`configuration callback failed on version ${current.version}: ${errorMessage(error)}`);
      }
    }
  }

  private scheduleHeartbeat(): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const every = this.welcome?.heartbeatIntervalMs ?? 1_000;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat().finally(() => this.scheduleHeartbeat()), every);
  }

  private async heartbeat(): Promise<void> {
    try {
      const reply = await this.transport.request(RegistryContracts.heartbeat, this.sessionRef(), {
        timeoutMs: Math.max(500, this.welcome?.heartbeatIntervalMs ?? 1_000),
      });
      if (reply.status === 'hello-again') {
        this.logger.warn(`registry asked for a new hello (${reply.reason ?? 'unknown'})`);
        await this.rejoin();
      }
    } catch (error) {
      // Registry or NATS away: keep beating; the reply after it comes back says whether to rejoin.
      this.logger.warn(`heartbeat failed: ${errorMessage(error)}`);
    }
  }

  private rejoin(): Promise<void> {
    this.rejoining ??= this.join(false).finally(() => (this.rejoining = undefined));
    return this.rejoining;
  }

  private maybeEnable(): void {
    if (this.wantEnabled || this.state !== 'joined') return;
    if (this.consumers.some((consumer) => consumer.holdsEnableBack)) return;
    this.wantEnabled = true;
    void this.enable();
  }

  private async enable(): Promise<void> {
    for (let attempt = 0; this.wantEnabled && this.state === 'joined'; attempt += 1) {
      try {
        await this.transport.request(RegistryContracts.enable, this.sessionRef());
        this.state = 'enabled';
        this.logger.log('enabled: receiving routed work');
        for (const resolve of this.enabledWaiters.splice(0)) resolve();
        return;
      } catch (error) {
        this.logger.warn(`enable failed: ${errorMessage(error)}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt)));
        if (error instanceof EventoError && error.code === ErrorCode.NOT_FOUND) await this.rejoin();
      }
    }
  }

  private consumersChanged(): void {
    this.maybeEnable();
    void this.reportConsumers();
  }

  /** Tells the registry which consumers run here and which are active. */
  async reportConsumers(): Promise<void> {
    if (!this.welcome || this.consumers.length === 0 || this.state === 'stopped') return;
    try {
      await this.transport.request(
        RegistryContracts.reportConsumers,
        {
          ...this.sessionRef(),
          consumers: await Promise.all(this.consumers.map((consumer) => this.reportOf(consumer))),
        },
        { timeoutMs: 2_000 },
      );
    } catch (error) {
      // A registry without the consumers subject yet answers NO_HANDLER or nothing: not fatal.
      if (!(
        error instanceof EventoError &&
        [ErrorCode.NO_HANDLER, ErrorCode.UNAVAILABLE].includes(error.code as 'NO_HANDLER')
      )) {
        this.logger.warn(`consumer report failed: ${errorMessage(error)}`);
      }
    }
  }

  private async reportOf(consumer: Consumer) {
    const report = consumer.report();
    try {
      return { ...report, deadEvents: await this.store.deadCount(consumer.id) };
    } catch {
      return report;
    }
  }

  private async watchNats(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.logger.warn('NATS disconnected; reconnecting');
      if (status.type === 'reconnect') {
        this.logger.log('NATS reconnected');
        void this.heartbeat();
      }
    }
  }

  // --- work and control ---

  private onMessage(error: Error | null, msg: Msg, kind: 'work' | 'control'): void {
    if (error) return;
    if (kind === 'work') this.onWork(msg);
    else this.onControl(msg);
  }

  private onWork(msg: Msg): void {
    if (!msg.reply) return;
    this.inFlight += 1;
    this.autoscaling?.arrival();
    void this.handleWork(msg).finally(() => {
      this.inFlight -= 1;
      this.autoscaling?.departure();
      if (this.inFlight === 0) this.idle?.();
    });
  }

  private async handleWork(msg: Msg): Promise<void> {
    let reply: { data: unknown } | { error: ErrorBody };
    try {
      const body = parseRequestBody(msg.data);
      const deadline = Number(msg.headers?.get(Headers.deadline));
      reply = await this.workHandler.handle(body, {
        deadline: Number.isFinite(deadline) && deadline > 0 ? deadline : undefined,
        correlationId: msg.headers?.get(Headers.correlationId) || undefined,
      });
    } catch (error) {
      reply = { error: toErrorBody(error) };
    }
    respond(msg, reply);
  }

  private onControl(msg: Msg): void {
    void this.handleControl(msg).then(
      (reply) => msg.reply && respond(msg, reply),
      (error: unknown) => msg.reply && respond(msg, { error: toErrorBody(error) }),
    );
  }

  private async handleControl(msg: Msg): Promise<{ data: unknown } | { error: ErrorBody }> {
    const body = parseRequestBody(msg.data) as { type?: unknown };
    switch (body?.type) {
      case 'drain': {
        const inFlight = this.inFlight;
        setImmediate(() => {
          void this.stop().then(() => this.options.onDrained?.());
        });
        return { data: { accepted: true, inFlight } };
      }
      case 'configuration':
        return { data: { accepted: this.applyConfiguration(body) } };
      case 'consumer-status': {
        const request = checked(ConsumerStatusRequest, body);
        return { data: await this.consumerById(request.consumerId).status() };
      }
      case 'consumer-set-retry': {
        const request = checked(ConsumerSetRetryRequest, body);
        const done = await this.consumerById(request.consumerId).setRetry(request.position, request.retry);
        return {
          data: {
            consumerId: request.consumerId,
            done,
            ...(done ? {} : { message: 'No dead event at that position' }),
          },
        };
      }
      case 'consumer-delete-dead': {
        const request = checked(ConsumerDeleteDeadRequest, body);
        const done = await this.consumerById(request.consumerId).deleteDead(request.position);
        return {
          data: {
            consumerId: request.consumerId,
            done,
            ...(done ? {} : { message: 'No dead event at that position' }),
          },
        };
      }
      case 'consumer-replay-dead': {
        const request = checked(ConsumerReplayDeadRequest, body);
        const consumer = this.consumerById(request.consumerId);
        if (!consumer.active) {
          return {
            data: {
              consumerId: request.consumerId,
              done: false,
              message: 'The consumer is not active on this instance',
            },
          };
        }
        const result = await consumer.replayDead();
        return {
          data: {
            consumerId: request.consumerId,
            done: result.failed === 0,
            message: `${result.processed} processed, ${result.failed} failed again`,
          },
        };
      }
      case 'consumer-reset': {
        const request = checked(ConsumerResetRequest, body);
        await this.consumerById(request.consumerId).reset(request.cursor);
        return { data: { consumerId: request.consumerId, done: true } };
      }
      default:
        throw new EventoError(ErrorCode.VALIDATION_FAILED, 'type must be one of the control types');
    }
  }

  private consumerById(consumerId: string): Consumer {
    const consumer = this.consumers.find((candidate) => candidate.id === consumerId);
    if (!consumer) throw new EventoError(ErrorCode.NOT_FOUND, `No consumer ${consumerId} in this bundle`);
    return consumer;
  }

  private waitIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Invoker methods run in a scope, so telemetry sees their time and what they send. */
  private wrapInvokers(): void {
    for (const { meta, instance } of this.components.ofType('invoker')) {
      for (const handler of meta.handlers) {
        const target = instance as Record<string, unknown>;
        const original = target[handler.method] as (...args: unknown[]) => unknown;
        if (typeof original !== 'function') continue;
        target[handler.method] = (...args: unknown[]) => {
          const scope = {
            component: meta.name,
            handler: handler.method,
            payload: `${meta.name}.${handler.method}`,
            invoked: new Map<string, number>(),
          };
          const started = Date.now();
          return runInScope(scope, async () => {
            try {
              const result = await original.apply(instance, args);
              this.telemetry.record(scope, started, 'ok');
              return result;
            } catch (error) {
              this.telemetry.record(scope, started, 'error');
              throw error;
            }
          });
        };
      }
    }
  }

  /**
   * The lag of every consumer active here, behind the head of its context (one head request per
   * context). A consumer whose head cannot be read now is left out of this report.
   */
  private async consumerLags(): Promise<ConsumerLag[]> {
    const active = this.consumers.filter((consumer) => consumer.active);
    if (active.length === 0 || !this.transportInstance) return [];
    const transport = this.transportInstance;
    const contexts = [...new Set(active.map((consumer) => consumer.meta.context))];
    const heads = new Map(
      await Promise.all(
        contexts.map(async (context) => {
          const head = await transport
            .request(EventStoreContracts.head, { context }, { timeoutMs: 2_000 })
            .catch(() => undefined);
          return [context, head?.position] as const;
        }),
      ),
    );
    return active.flatMap((consumer) => {
      const head = heads.get(consumer.meta.context);
      const lag = head === undefined ? null : consumer.measureLag(head);
      return lag === null ? [] : [{ consumerId: consumer.id, lag }];
    });
  }

  private resources(): BundleTelemetryBatch['resources'] {
    const now = Date.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastCpuAt);
    this.lastCpu = process.cpuUsage();
    this.lastCpuAt = now;
    const memory = process.memoryUsage();
    const delay = this.loopDelay.mean / 1e6;
    this.loopDelay.reset();
    return {
      cpuPercent: Math.max(0, ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopDelayMs: Number.isFinite(delay) ? delay : 0,
      inFlight: this.inFlight,
    };
  }
}

/** A control request checked against its contract class (the suite's validation engine). */
function checked<T extends object>(type: new () => T, body: unknown): T {
  return compileValidator(type)(body);
}

function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof EventoError) return error.toBody();
  return { code: ErrorCode.INTERNAL, message: 'Unexpected error in the bundle' };
}

/** Replies above this are refused with PAYLOAD_TOO_LARGE instead of being lost (NATS default max payload). */
const MAX_REPLY_BYTES = 1024 * 1024 - 1024;

function respond(msg: Msg, reply: { data: unknown } | { error: ErrorBody }): void {
  try {
    let text = encodeReply(reply);
    if (Buffer.byteLength(text) > MAX_REPLY_BYTES) {
      text = encodeReply({
        error: {
          code: ErrorCode.PAYLOAD_TOO_LARGE,
          message: `The answer is larger than ${MAX_REPLY_BYTES} bytes: page it`,
        },
      });
    }
    msg.respond(text);
  } catch {
    // The connection closed meanwhile: the caller times out, as with any lost reply.
  }
}

function stderrLogger(instanceId: string): EventoLogger {
  const write = (level: string, message: string) =>
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, instanceId, msg: message })}\n`);
  return {
    log: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
  };
}
