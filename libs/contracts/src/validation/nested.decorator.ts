import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';

/** Any class with class-validator rules: contract bodies, DTOs, bundle payloads. */
export type RuledClass = abstract new (...args: never[]) => object;

/** Where `@Nested` records the nested class (our own metadata key, read with `Reflect.getMetadata`). */
const NESTED_KEY = 'evento:nested';

export interface NestedOptions {
  /** The property is an array of the nested class. */
  each?: boolean;
}

interface NestedMetadata {
  type: () => RuledClass;
  each: boolean;
}

/**
 * A property holding an object of another ruled class (or, with `each`, an array of them).
 * Applies class-validator's `ValidateNested` (the rule Swagger and the schemas see),
 * class-transformer's `Type` (so `plainToInstance` in user code builds the nested instances) and
 * records the class for the validation engine, which never reads class-transformer's storage.
 */
export function Nested(type: () => RuledClass, options: NestedOptions = {}): PropertyDecorator {
  const each = options.each === true;
  const validateNested = ValidateNested({ each });
  const transformType = Type(type);
  return (target, property) => {
    if (typeof property !== 'string') throw new Error('@Nested applies to named properties only');
    validateNested(target, property);
    transformType(target, property);
    const metadata: NestedMetadata = { type, each };
    Reflect.defineMetadata(NESTED_KEY, metadata, target, property);
  };
}

/**
 * The nested class of a `ValidateNested` property: `@Nested`'s, else the declared type of a
 * single object. An array needs `@Nested(() => Type, { each: true })`: its item class is not
 * in the type metadata TypeScript emits.
 */
export function nestedTypeOf(owner: RuledClass, property: string): NestedMetadata {
  const prototype = owner.prototype as object;
  const recorded = Reflect.getMetadata(NESTED_KEY, prototype, property) as NestedMetadata | undefined;
  if (recorded) return recorded;
  const declared = Reflect.getMetadata('design:type', prototype, property) as unknown;
  if (declared === Array) {
    throw new Error(
      `${owner.name}.${property}: an array of nested objects needs @Nested(() => ItemClass, { each: true }) from @evento/contracts`,
    );
  }
  if (typeof declared !== 'function' || declared === Object) {
    throw new Error(
      `${owner.name}.${property}: @ValidateNested() cannot tell the nested class; use @Nested(() => Class)`,
    );
  }
  return { type: () => declared as RuledClass, each: false };
}
