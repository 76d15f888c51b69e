import { type ClassOf, type JsonSchema, schemasFor } from '@evento/contracts';
import Ajv from 'ajv';
import { type ClassConstructor, plainToInstance } from 'class-transformer';
// class-transformer keeps its @Type metadata here: the nested classes.
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, validateSync } from 'class-validator';
import { getMetadataSchema } from 'class-validator-jsonschema/build/decorators';
import { strictValidationOptions } from './validation.pipes';
import { validationFailed } from './to-error-body';

/** Validates a parsed body against a contract class; returns it typed or throws VALIDATION_FAILED. */
export type ContractValidator<T> = (body: unknown) => T;

/**
 * Rules whose JSON Schema form (class-validator-jsonschema's converters) accepts nothing the
 * rule refuses. A class with any other rule cannot be compiled: a looser schema would let
 * through what class-validator stops.
 */
const EXACT_RULES = new Set([
  'isOptional',
  'nestedValidation',
  'whitelist',
  'isDefined',
  'matches',
  'isString',
  'isInt',
  'isBoolean',
  'isObject',
  'isArray',
  'isIn',
  'min',
  'max',
  'minLength',
  'maxLength',
  'arrayMinSize',
  'arrayMaxSize',
]);

/**
 * A validator for a hot subject, where class-validator's cost per message shows (a quarter of
 * the event store's CPU per append, measured). The class's rules stay the only source: they
 * are turned into a JSON Schema and compiled by ajv, which accepts a valid body in about a
 * microsecond. Whatever ajv refuses goes through class-transformer and class-validator with
 * the validation pipe's options, so a client gets the pipe's answer word for word, and a body
 * the schema is merely stricter about (e.g. `null` for an optional field) is still accepted.
 *
 * Accepted bodies are returned as parsed, with undeclared properties removed as the pipe's
 * whitelist does; they are plain objects, not class instances.
 */
export function compileContractValidator<T extends object>(type: ClassOf<T>): ContractValidator<T> {
  const options = strictValidationOptions();
  try {
    assertCompilable(type);
    // The schemas leave out inherited rules: a subclass would accept anything.
    if (Object.getPrototypeOf(type) !== Function.prototype) throw new Error(`${type.name} extends another class`);
  } catch {
    // A rule without an exact schema: class-validator alone decides.
    return (body) => {
      const instance = plainToInstance(type as unknown as ClassConstructor<T>, body as object);
      const errors = validateSync(instance, options);
      if (errors.length > 0) throw validationFailed(errors);
      return instance;
    };
  }
  const schema = closeObjects(schemasFor([type]).get(type)!);
  const accepts = new Ajv({ removeAdditional: true, allErrors: false, strict: false }).compile(schema);
  return (body) => {
    if (accepts(body)) return body as T;
    const instance = plainToInstance(type as unknown as ClassConstructor<T>, body as object);
    const errors = validateSync(instance, options);
    if (errors.length > 0) throw validationFailed(errors);
    return instance;
  };
}

/** Refuses classes (and the classes they nest) with a rule the schema cannot express exactly. */
function assertCompilable(type: ClassOf<object>, seen = new Set<ClassOf<object>>()): void {
  if (seen.has(type)) return;
  seen.add(type);
  const prototype = type.prototype as object;
  const storage = getMetadataStorage();
  for (const meta of storage.getTargetValidationMetadatas(type, '', true, false)) {
    const [constraint] = meta.constraintCls ? storage.getTargetValidatorConstraints(meta.constraintCls) : [];
    const rule = constraint?.name ?? meta.name ?? meta.type;
    const override = getMetadataSchema(prototype, meta.propertyName) as object;
    const described = typeof override === 'function' || Object.keys(override).length > 0;
    if (!EXACT_RULES.has(rule) && !described) {
      throw new Error(
        `${type.name}.${meta.propertyName}: rule "${rule}" has no exact JSON Schema form; describe it with @JSONSchema or validate through the pipe`,
      );
    }
    if (constraint?.async) {
      throw new Error(`${type.name}.${meta.propertyName}: rule "${rule}" is asynchronous; validate through the pipe`);
    }
    if ((meta.groups?.length ?? 0) > 0 || meta.always) {
      throw new Error(`${type.name}.${meta.propertyName}: validation groups cannot be compiled`);
    }
    if (meta.type === 'nestedValidation') {
      const nested = nestedTypeOf(type, meta.propertyName);
      if (nested) assertCompilable(nested, seen);
    }
  }
}

/** The nested class: class-transformer's @Type (arrays need it), else the declared type. */
function nestedTypeOf(type: ClassOf<object>, property: string): ClassOf<object> | undefined {
  const declared = defaultMetadataStorage.findTypeMetadata(type, property)?.typeFunction() as unknown;
  const candidate = declared ?? (Reflect.getMetadata('design:type', type.prototype as object, property) as unknown);
  return typeof candidate === 'function' && candidate !== Array && candidate !== Object
    ? (candidate as ClassOf<object>)
    : undefined;
}

/**
 * Marks every class schema closed (`additionalProperties: false`), which ajv's
 * removeAdditional turns into the whitelist's stripping. Free-form objects (payloads) have no
 * `properties` and stay open.
 */
function closeObjects(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const object = node as JsonSchema;
    if (object.properties !== undefined && object.additionalProperties === undefined) {
      object.additionalProperties = false;
    }
    Object.values(object).forEach(visit);
  };
  visit(schema);
  return schema;
}
