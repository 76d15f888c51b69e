import {
  getMetadataStorage,
  type IsNumberOptions,
  type MetadataStorage,
  type ValidationArguments,
  ValidationTypes,
} from 'class-validator';
import { nestedTypeOf, type RuledClass } from './nested.decorator';

export type JsonSchema = Record<string, unknown>;

// class-validator's public storage hands these out; their classes are not exported by name.
type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type ConstraintMetadata = ReturnType<MetadataStorage['getTargetValidatorConstraints']>[number];

/** One class-validator rule of one property, as the engine runs and reports it. */
export interface Rule {
  /** Index in the process-wide rule table: what the compiled schemas carry (`x-rule`). */
  readonly id: number;
  /** The constraint's name, the key of the rule in `details[].constraints` (e.g. `isString`). */
  readonly name: string;
  readonly property: string;
  /** Applied to each item of an array value (class-validator's `each`). */
  readonly each: boolean;
  /** The rule as standard JSON Schema, when one accepts exactly what the rule accepts. */
  readonly exact?: JsonSchema;
  /** What a portable schema may say of a rule with no exact form (e.g. `{ type: 'string' }`). */
  readonly hint?: JsonSchema;
  /** The class-validator check itself (each and the rule's own condition included). */
  readonly check: (value: unknown, object: object) => boolean;
  /** The rule's message for a value, phrased by class-validator (custom `message` honoured). */
  readonly message: (value: unknown, object: object) => string;
}

export interface NestedRule extends Rule {
  readonly type: () => RuledClass;
}

export interface PropertyRules {
  readonly name: string;
  /** `@IsOptional()`: absent or null skips every rule. */
  readonly optional: boolean;
  /** `@ValidateIf`: the property's rules apply only when every condition (IsOptional's too) holds. */
  readonly condition?: (object: object) => boolean;
  readonly rules: Rule[];
  readonly nested?: NestedRule;
  /** The class's initialiser for the property, when it has a JSON value. */
  readonly default?: { value: unknown };
}

export interface ClassRules {
  /** Index in the process-wide class table: what the compiled schemas carry (`x-class`). */
  readonly id: number;
  readonly type: RuledClass;
  readonly name: string;
  readonly properties: Map<string, PropertyRules>;
}

const rules: Rule[] = [];
const classes: ClassRules[] = [];
const byType = new Map<RuledClass, ClassRules>();

export function ruleById(id: number): Rule | undefined {
  return rules[id];
}

export function classById(id: number): ClassRules | undefined {
  return classes[id];
}

/** The rules of a class, read once from class-validator's public metadata storage. */
export function rulesOf(type: RuledClass): ClassRules {
  const known = byType.get(type);
  if (known) return known;
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(type, '', true, false);
  // A class without rules declares no property: any object passes, emptied (the whitelist).
  const grouped = new Map<string, ValidationMetadata[]>();
  for (const meta of metadatas) {
    if ((meta.groups?.length ?? 0) > 0 || meta.always) {
      throw new Error(`${type.name}.${meta.propertyName}: validation groups are not supported`);
    }
    const list = grouped.get(meta.propertyName) ?? [];
    list.push(meta);
    grouped.set(meta.propertyName, list);
  }
  const defaults = defaultsOf(type);
  const model: ClassRules = { id: classes.length, type, name: type.name, properties: new Map() };
  classes.push(model);
  byType.set(type, model);
  for (const [name, metas] of grouped) {
    model.properties.set(name, propertyRules(type, name, metas, defaults));
  }
  return model;
}

function propertyRules(
  type: RuledClass,
  name: string,
  metas: ValidationMetadata[],
  defaults: Map<string, unknown>,
): PropertyRules {
  const conditionals = metas.filter((meta) => meta.type === ValidationTypes.CONDITIONAL_VALIDATION);
  const optional = conditionals.some((meta) => meta.name === 'isOptional');
  const guarded = conditionals.some((meta) => meta.name !== 'isOptional');
  const checks = conditionals.map((meta) => meta.constraints[0] as (object: object, value: unknown) => boolean);
  const propertyRulesList: Rule[] = [];
  let nested: NestedRule | undefined;
  for (const meta of metas) {
    switch (meta.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.NESTED_VALIDATION:
        nested = nestedRule(type, name, meta);
        break;
      case ValidationTypes.CUSTOM_VALIDATION:
      case ValidationTypes.IS_DEFINED:
        propertyRulesList.push(customRule(type, name, meta));
        break;
      default:
        throw new Error(
          `${type.name}.${name}: class-validator rule type "${meta.type}" is not supported (asynchronous?)`,
        );
    }
  }
  const initial = defaults.get(name);
  return {
    name,
    optional,
    ...(guarded
      ? {
          condition: (object: object) =>
            checks.every((check) => check(object, (object as Record<string, unknown>)[name])),
        }
      : {}),
    rules: propertyRulesList,
    ...(nested ? { nested } : {}),
    ...(initial === undefined ? {} : { default: { value: initial } }),
  };
}

function register<R extends Rule>(build: (id: number) => R): R {
  const rule = build(rules.length);
  rules.push(rule);
  return rule;
}

function nestedRule(type: RuledClass, property: string, meta: ValidationMetadata): NestedRule {
  const nestedType = nestedTypeOf(type, property);
  return register((id) => ({
    id,
    name: ValidationTypes.NESTED_VALIDATION,
    property,
    each: nestedType.each,
    type: nestedType.type,
    check: (value) => typeof value === 'object' && value !== null,
    message: messageOf(type, meta, undefined),
  }));
}

function customRule(type: RuledClass, property: string, meta: ValidationMetadata): Rule {
  const constraints: ConstraintMetadata[] = getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls);
  if (constraints.length !== 1) {
    throw new Error(`${type.name}.${property}: a rule with ${constraints.length} constraints is not supported`);
  }
  const [constraint] = constraints;
  if (constraint.async) {
    throw new Error(`${type.name}.${property}: asynchronous rule "${constraint.name}" is not supported`);
  }
  const name = constraint.name || meta.name || 'customValidation';
  const args = (value: unknown, object: object): ValidationArguments => ({
    targetName: type.name,
    property,
    object,
    value,
    constraints: (meta.constraints ?? []) as unknown[],
  });
  const validateOne = (value: unknown, object: object) => constraint.instance.validate(value, args(value, object));
  const check = (value: unknown, object: object): boolean => {
    if (meta.validateIf && !meta.validateIf(object, value)) return true;
    const results =
      meta.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)
        ? [...(value instanceof Map ? value.values() : value)].map((item: unknown) => validateOne(item, object))
        : [validateOne(value, object)];
    if (results.some((result) => result instanceof Promise)) {
      throw new Error(`${type.name}.${property}: rule "${name}" answered asynchronously`);
    }
    return results.every(Boolean);
  };
  const exact = meta.validateIf ? undefined : exactSchemaOf(name, meta.constraints ?? []);
  const hint = STRING_RULES.has(name) ? { type: 'string' } : undefined;
  return register((id) => ({
    id,
    name,
    property,
    each: meta.each === true,
    ...(exact ? { exact } : {}),
    ...(hint ? { hint } : {}),
    check,
    message: messageOf(type, meta, constraint),
  }));
}

/** The rule's message as class-validator builds it: custom message or the constraint's default, tokens replaced. */
function messageOf(type: RuledClass, meta: ValidationMetadata, constraint: ConstraintMetadata | undefined) {
  return (value: unknown, object: object): string => {
    const args: ValidationArguments = {
      targetName: type.name,
      property: meta.propertyName,
      object,
      value,
      constraints: (meta.constraints ?? []) as unknown[],
    };
    const template =
      meta.message ||
      (typeof constraint?.instance.defaultMessage === 'function' ? constraint.instance.defaultMessage(args) : '');
    const text = replaceTokens(typeof template === 'function' ? template(args) : template, args);
    return text || `${meta.propertyName} is invalid`;
  };
}

/** class-validator's `$constraintN`, `$value`, `$property` and `$target` tokens. */
function replaceTokens(message: string, args: ValidationArguments): string {
  let text = message;
  (args.constraints as unknown[]).forEach((constraint, index) => {
    const shown = Array.isArray(constraint)
      ? constraint.join(', ')
      : typeof constraint === 'symbol'
        ? (constraint.description ?? '')
        : String(constraint);
    text = text.split(`$constraint${index + 1}`).join(shown);
  });
  const value: unknown = args.value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    text = text.split('$value').join(String(value));
  }
  return text.split('$property').join(args.property).split('$target').join(args.targetName);
}

/** Rules that accept strings only: a portable schema can at least say `type: string`. */
const STRING_RULES = new Set([
  'isDateString',
  'isIso8601',
  'isISO8601',
  'isUrl',
  'isEmail',
  'isUuid',
  'isUUID',
  'isHexadecimal',
  'isAlpha',
  'isAlphanumeric',
  'isNumberString',
  'isBooleanString',
]);

/**
 * The JSON Schema that accepts exactly what a built-in rule accepts, for the rules that have
 * one. Everything else runs class-validator's own check through the `classValidatorRule` keyword.
 * `finite` is the engine's keyword refusing Infinity, which JSON cannot carry but objects can.
 */
function exactSchemaOf(name: string, constraints: unknown[]): JsonSchema | undefined {
  const [first] = constraints;
  switch (name) {
    case 'isString':
      return { type: 'string' };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber': {
      const options = (first ?? {}) as IsNumberOptions;
      if (options.allowNaN || options.allowInfinity || options.maxDecimalPlaces !== undefined) return undefined;
      return { type: 'number', finite: true };
    }
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'isIn':
      return Array.isArray(first) && first.every(isJsonPrimitive) ? { enum: first as unknown[] } : undefined;
    case 'min':
      return typeof first === 'number' ? { type: 'number', finite: true, minimum: first } : undefined;
    case 'max':
      return typeof first === 'number' ? { type: 'number', finite: true, maximum: first } : undefined;
    case 'minLength':
      return typeof first === 'number' ? { type: 'string', minLength: first } : undefined;
    case 'maxLength':
      return typeof first === 'number' ? { type: 'string', maxLength: first } : undefined;
    case 'arrayMinSize':
      return typeof first === 'number' ? { type: 'array', minItems: first } : undefined;
    case 'arrayMaxSize':
      return typeof first === 'number' ? { type: 'array', maxItems: first } : undefined;
    case 'matches':
      return patternOf(first, constraints[1]);
    case 'isDefined':
      return { not: { type: 'null' } };
    case 'isNotEmpty':
      return { not: { enum: ['', null] } };
    default:
      return undefined;
  }
}

/** A flag-less regular expression is a JSON Schema `pattern` (ajv runs it without the `u` flag, as RegExp does). */
function patternOf(pattern: unknown, modifiers: unknown): JsonSchema | undefined {
  if (modifiers !== undefined && modifiers !== '') return undefined;
  if (pattern instanceof RegExp) return pattern.flags === '' ? { type: 'string', pattern: pattern.source } : undefined;
  return typeof pattern === 'string' ? { type: 'string', pattern } : undefined;
}

function isJsonPrimitive(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Property initialisers as defaults: one instance built without arguments, once. A class whose
 * constructor needs arguments (or throws) has none; values JSON cannot carry are skipped.
 */
function defaultsOf(type: RuledClass): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  let instance: Record<string, unknown>;
  try {
    instance = new (type as unknown as new () => Record<string, unknown>)();
  } catch {
    return defaults;
  }
  for (const [key, value] of Object.entries(instance)) {
    if (value === undefined) continue;
    if (isJsonPrimitive(value)) {
      defaults.set(key, value);
      continue;
    }
    if (typeof value === 'object' && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) {
      const text = JSON.stringify(value);
      if (text !== undefined) defaults.set(key, JSON.parse(text) as unknown);
    }
  }
  return defaults;
}
