import {
  type BundleDescriptor,
  type ComponentDescriptor,
  type HandlerDescriptor,
  type PayloadDescriptor,
  type PayloadKind,
  schemasFor,
} from '@evento/contracts';
import { type ComponentMeta } from './metadata';
import { aggregateIdPropertyOf, type PayloadClass, payloadKindOf, payloadNameOf } from './payloads';

export interface DescriptorInfo {
  description?: string;
  /** Markdown shown in the catalog. */
  detail?: string;
  repositoryUrl?: string;
  linePrefix?: string;
}

/**
 * The bundle's descriptor, from the decorated components: every component, handler and
 * payload, with JSON Schemas generated from the payload classes' validation rules.
 */
export function buildDescriptor(components: ComponentMeta[], info: DescriptorInfo = {}): BundleDescriptor {
  const payloadTypes = new Map<string, { type?: PayloadClass; kind: PayloadKind }>();
  const addPayload = (type: PayloadClass | undefined) => {
    if (!type) return undefined;
    const kind = payloadKindOf(type);
    if (!kind) throw new Error(`${type.name} is not a payload class (extend DomainCommand, DomainEvent, … or View)`);
    const name = payloadNameOf(type);
    const known = payloadTypes.get(name);
    if (known?.type && known.type !== type) throw new Error(`Two payload classes are named ${name}`);
    payloadTypes.set(name, { type, kind });
    return name;
  };

  const componentDescriptors: ComponentDescriptor[] = components.map((component) => ({
    type: component.type,
    name: component.name,
    ...(component.description ? { description: component.description } : {}),
    handlers: component.handlers.map((handler): HandlerDescriptor => {
      let payload: string;
      if (handler.handlerType === 'invocation') {
        payload = `${component.name}.${handler.method}`;
        payloadTypes.set(payload, { kind: 'invocation' });
      } else {
        payload = addPayload(handler.payload)!;
      }
      const returnType = addPayload(handler.returns);
      const invokedCommands: string[] = [];
      const invokedQueries: string[] = [];
      for (const invoked of handler.invokes ?? []) {
        const name = addPayload(invoked)!;
        (payloadKindOf(invoked) === 'query' ? invokedQueries : invokedCommands).push(name);
      }
      return {
        handlerType: handler.handlerType,
        payload,
        ...(returnType ? { returnType } : {}),
        ...(handler.many ? { returnsMany: true } : {}),
        ...(handler.associationProperty ? { associationProperty: handler.associationProperty } : {}),
        ...(invokedCommands.length > 0 ? { invokedCommands } : {}),
        ...(invokedQueries.length > 0 ? { invokedQueries } : {}),
      };
    }),
  }));

  const classes = [...payloadTypes.values()].flatMap((entry) => (entry.type ? [entry.type] : []));
  const schemas = schemasFor(classes);
  const payloads: PayloadDescriptor[] = [...payloadTypes.entries()].map(([name, entry]) => {
    // Where the gateway takes the aggregate id from (else callers must send aggregateId).
    const aggregateIdProperty =
      entry.kind === 'domain-command' && entry.type ? aggregateIdPropertyOf(entry.type) : undefined;
    return {
      name,
      kind: entry.kind,
      ...(entry.type ? { schema: schemas.get(entry.type) } : {}),
      ...(aggregateIdProperty ? { aggregateIdProperty } : {}),
    };
  });
  return {
    ...(info.description ? { description: info.description } : {}),
    ...(info.detail ? { detail: info.detail } : {}),
    ...(info.repositoryUrl ? { repositoryUrl: info.repositoryUrl } : {}),
    ...(info.linePrefix ? { linePrefix: info.linePrefix } : {}),
    components: componentDescriptors,
    payloads,
  };
}
