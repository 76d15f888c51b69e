import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
  Logger,
  type ModuleMetadata,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { CommandGateway, QueryGateway } from '../gateways';
import { componentOf } from '../metadata';
import { EventoBundle, type EventoBundleOptions } from '../runtime/bundle';

export type EventoModuleOptions = Omit<EventoBundleOptions, 'components'> & {
  /** Start the bundle when the Nest app boots (default true). */
  autoStart?: boolean;
};

export const EVENTO_OPTIONS = Symbol('EVENTO_OPTIONS');

/**
 * Holds the bundle of a Nest app: finds every provider decorated as a component, builds the
 * bundle from them at bootstrap and stops it (disable, drain, goodbye) at shutdown.
 */
@Injectable()
export class EventoBundleHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private bundleInstance?: EventoBundle;
  private readonly gatewayLink = {
    transport: () => this.bundle.transport,
    source: () => ({ bundleId: this.bundle.bundleId, instanceId: this.bundle.instanceId }),
  };
  readonly commandGateway = new CommandGateway(this.gatewayLink);
  readonly queryGateway = new QueryGateway(this.gatewayLink);

  constructor(
    @Inject(EVENTO_OPTIONS) private readonly options: EventoModuleOptions,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
  ) {}

  get bundle(): EventoBundle {
    if (!this.bundleInstance) {
      throw new Error('The Evento bundle is not built yet (it is built at application bootstrap)');
    }
    return this.bundleInstance;
  }

  async onApplicationBootstrap(): Promise<void> {
    const components = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter(
        (instance): instance is object => typeof instance === 'object' && instance !== null && !!componentOf(instance),
      );
    const logger = new Logger('Evento');
    this.bundleInstance = new EventoBundle({
      logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
      ...this.options,
      components: [...new Set(components)],
    });
    if (this.options.autoStart ?? true) await this.bundleInstance.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.bundleInstance?.stop();
  }
}

export interface EventoModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => EventoModuleOptions | Promise<EventoModuleOptions>;
  inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
}

/** `EventoModule.forRoot({...})`: the bundle, plus CommandGateway and QueryGateway to inject. */
@Module({})
export class EventoModule {
  static forRoot(options: EventoModuleOptions): DynamicModule {
    return EventoModule.build([{ provide: EVENTO_OPTIONS, useValue: options }], []);
  }

  static forRootAsync(options: EventoModuleAsyncOptions): DynamicModule {
    return EventoModule.build(
      [{ provide: EVENTO_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports ?? [],
    );
  }

  private static build(
    optionProviders: DynamicModule['providers'] & object,
    imports: DynamicModule['imports'] & object,
  ): DynamicModule {
    return {
      module: EventoModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [
        ...optionProviders,
        EventoBundleHost,
        {
          provide: CommandGateway,
          useFactory: (host: EventoBundleHost) => host.commandGateway,
          inject: [EventoBundleHost],
        },
        {
          provide: QueryGateway,
          useFactory: (host: EventoBundleHost) => host.queryGateway,
          inject: [EventoBundleHost],
        },
      ],
      exports: [CommandGateway, QueryGateway, EventoBundleHost],
    };
  }
}
