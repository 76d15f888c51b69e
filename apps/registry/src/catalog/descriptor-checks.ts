import type { BundleDescriptor, ComponentType, HandlerType, PayloadKind } from '@evento/contracts';
import Ajv, { type Options } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** One broken rule, in the same shape as class-validator's VALIDATION_FAILED details. */
export interface DescriptorProblem {
  property: string;
  constraints: Record<string, string>;
}

/** Which handler types each component type may have. */
const HANDLERS_BY_COMPONENT: Record<ComponentType, readonly HandlerType[]> = {
  aggregate: ['aggregate-command', 'event-sourcing'],
  service: ['service-command'],
  projector: ['event'],
  projection: ['query'],
  saga: ['saga-event'],
  observer: ['event'],
  invoker: ['invocation'],
};

/** Which payload kinds each handler type handles. */
const PAYLOADS_BY_HANDLER: Record<HandlerType, readonly PayloadKind[]> = {
  'aggregate-command': ['domain-command'],
  'service-command': ['service-command'],
  query: ['query'],
  event: ['domain-event', 'service-event'],
  'event-sourcing': ['domain-event'],
  'saga-event': ['domain-event', 'service-event'],
  invocation: ['invocation'],
};

/** What a handler's declared return type must be, when the bundle declares it. */
const RETURNS_BY_HANDLER: Partial<Record<HandlerType, readonly PayloadKind[]>> = {
  'aggregate-command': ['domain-event'],
  'service-command': ['service-event'],
  query: ['view'],
};

const AJV_OPTIONS: Options = {
  // Unknown keywords (annotations some generators add) are allowed; broken known ones are not.
  strict: false,
  allErrors: false,
  // No network: a $ref must resolve inside the schema.
  loadSchema: undefined,
};

/**
 * The rules class-validator cannot express: names unique, handlers fit their component and
 * payload, every handled payload declared, every JSON Schema compiles. Returns every problem,
 * so a bundle author fixes them in one round.
 */
export function checkDescriptor(descriptor: BundleDescriptor, at = 'descriptor'): DescriptorProblem[] {
  const problems: DescriptorProblem[] = [];
  const problem = (property: string, rule: string, message: string) =>
    problems.push({ property: `${at}.${property}`, constraints: { [rule]: message } });

  const payloads = new Map<string, PayloadKind>();
  descriptor.payloads.forEach((payload, index) => {
    if (payloads.has(payload.name)) {
      problem(`payloads.${index}.name`, 'unique', `payload ${payload.name} is declared twice`);
    }
    payloads.set(payload.name, payload.kind);
  });

  const components = new Set<string>();
  descriptor.components.forEach((component, c) => {
    if (components.has(component.name)) {
      problem(`components.${c}.name`, 'unique', `component ${component.name} is declared twice`);
    }
    components.add(component.name);
    const handlerKeys = new Set<string>();
    component.handlers.forEach((handler, h) => {
      const where = `components.${c}.handlers.${h}`;
      const key = `${handler.handlerType}:${handler.payload}`;
      if (handlerKeys.has(key)) {
        problem(where, 'unique', `${component.name} handles ${handler.payload} twice as ${handler.handlerType}`);
      }
      handlerKeys.add(key);
      if (!HANDLERS_BY_COMPONENT[component.type].includes(handler.handlerType)) {
        problem(
          `${where}.handlerType`,
          'fitsComponent',
          `a ${component.type} cannot have a ${handler.handlerType} handler (allowed: ${HANDLERS_BY_COMPONENT[component.type].join(', ')})`,
        );
      }
      const kind = payloads.get(handler.payload);
      if (!kind) {
        problem(`${where}.payload`, 'declared', `payload ${handler.payload} is not declared in payloads`);
      } else if (!PAYLOADS_BY_HANDLER[handler.handlerType].includes(kind)) {
        problem(
          `${where}.payload`,
          'fitsHandler',
          `a ${handler.handlerType} handler cannot handle ${handler.payload}, a ${kind} (allowed: ${PAYLOADS_BY_HANDLER[handler.handlerType].join(', ')})`,
        );
      }
      const returnKind = handler.returnType ? payloads.get(handler.returnType) : undefined;
      const allowedReturns = RETURNS_BY_HANDLER[handler.handlerType];
      if (returnKind && allowedReturns && !allowedReturns.includes(returnKind)) {
        problem(
          `${where}.returnType`,
          'fitsHandler',
          `a ${handler.handlerType} handler cannot return ${handler.returnType}, a ${returnKind} (allowed: ${allowedReturns.join(', ')})`,
        );
      }
      if (handler.handlerType === 'saga-event' && !handler.associationProperty) {
        problem(`${where}.associationProperty`, 'required', 'a saga-event handler needs an associationProperty');
      }
    });
  });

  descriptor.payloads.forEach((payload, index) => {
    if (payload.aggregateIdProperty !== undefined) {
      const where = `payloads.${index}.aggregateIdProperty`;
      if (payload.kind !== 'domain-command') {
        problem(
          where,
          'domainCommand',
          `${payload.name} is a ${payload.kind}: only a domain-command names its aggregate id`,
        );
      } else if (!schemaAllows(payload.schema, payload.aggregateIdProperty)) {
        problem(
          where,
          'inSchema',
          `the schema of ${payload.name} does not allow a property ${payload.aggregateIdProperty}`,
        );
      }
    }
    if (payload.schema === undefined) return;
    const error = schemaError(payload.schema);
    if (error) {
      problem(`payloads.${index}.schema`, 'jsonSchema', `schema of ${payload.name} does not compile: ${error}`);
    }
  });
  return problems;
}

/**
 * False only when the schema plainly cannot hold the property: it lists its properties and
 * forbids any other (`additionalProperties: false`) or declares the property `false`. Anything
 * subtler (combinators, pattern properties) is the bundle's business.
 */
function schemaAllows(schema: Record<string, unknown> | undefined, property: string): boolean {
  if (!schema) return true;
  const properties = schema.properties;
  const declared =
    typeof properties === 'object' && properties !== null && Object.prototype.hasOwnProperty.call(properties, property)
      ? (properties as Record<string, unknown>)[property]
      : undefined;
  if (declared === false) return false;
  if (declared !== undefined) return true;
  return !(schema.additionalProperties === false && schema.patternProperties === undefined);
}

type SchemaCompiler = Pick<Ajv, 'compile' | 'removeSchema'>;
const compilers = new Map<string, SchemaCompiler>();

/** One Ajv per draft for the whole process: building one (meta-schemas, formats) costs far more than a compile. */
function compilerFor(draft: '07' | '2019-09' | '2020-12'): SchemaCompiler {
  let compiler = compilers.get(draft);
  if (!compiler) {
    const ajv =
      draft === '2020-12'
        ? new Ajv2020(AJV_OPTIONS)
        : draft === '2019-09'
          ? new Ajv2019(AJV_OPTIONS)
          : new Ajv(AJV_OPTIONS);
    addFormats(ajv);
    compiler = ajv;
    compilers.set(draft, compiler);
  }
  return compiler;
}

/** Compiles the schema once, with the draft its `$schema` names (draft-07 by default). */
export function schemaError(schema: Record<string, unknown>): string | undefined {
  const named = typeof schema.$schema === 'string' ? schema.$schema : '';
  const compiler = compilerFor(named.includes('2020-12') ? '2020-12' : named.includes('2019-09') ? '2019-09' : '07');
  try {
    compiler.compile(schema);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    // Forget the schema (and its $id): bundles may reuse ids, and the process must not grow.
    compiler.removeSchema();
  }
}
