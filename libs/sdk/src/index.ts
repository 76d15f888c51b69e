import 'reflect-metadata';

export * from './payloads';
export * from './metadata';
export * from './errors';
export * from './gateways';
export { buildDescriptor, type DescriptorInfo } from './descriptor';
export { Nested, type NestedOptions, schemasFor } from '@evento/contracts';
export {
  EventoBundle,
  type EventoBundleOptions,
  type EventoLogger,
  type BundleState,
  type BundleConfigurationView,
  type ConfigurationListener,
} from './runtime/bundle';
export type { CommandContext, ServiceContext, QueryContext, EventSourcingContext } from './runtime/work-handler';
export type { TelemetryOptions } from './runtime/telemetry';
export { ThreadCountAutoscaling, type AutoscalingOptions } from './runtime/autoscaling';
export { Consumer, consumerIdOf, type EventContext, type SagaContext } from './consumers/consumer';
export type { ConsumerStore, Checkpoint, DeadEvent, SagaInstance, Queryable } from './consumers/store';
export { InMemoryConsumerStore } from './consumers/memory-store';
export { PostgresConsumerStore, type PostgresStoreOptions } from './consumers/postgres-store';
