import { type ClassRules, type JsonSchema, type PropertyRules, type Rule, rulesOf } from './class-rules';
import { type RuledClass } from './nested.decorator';

export type { JsonSchema } from './class-rules';

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
const DEFINITIONS = '#/definitions/';

/** Names the classes a schema reaches, once each (a second class of the same name gets a suffix). */
class Definitions {
  private readonly names = new Map<RuledClass, string>();
  private readonly taken = new Set<string>();
  readonly pending: ClassRules[] = [];
  /** A nested property holds the root's own class. */
  rootReferenced = false;

  constructor(private readonly root: RuledClass) {}

  refTo(type: RuledClass): string {
    if (type === this.root) {
      this.rootReferenced = true;
      return '#';
    }
    let name = this.names.get(type);
    if (name === undefined) {
      name = type.name;
      for (let n = 2; this.taken.has(name) || name === this.root.name; n += 1) name = `${type.name}_${n}`;
      this.names.set(type, name);
      this.taken.add(name);
      this.pending.push(rulesOf(type));
    }
    return `${DEFINITIONS}${name}`;
  }

  nameOf(type: RuledClass): string {
    return this.names.get(type)!;
  }
}

/**
 * The schemas the engine compiles. `detailed` (the refusal path): every rule its own subschema
 * marked with its id (`x-rule`), so a refusal is reported with the rule's own name and message.
 * Otherwise (the accept path) the exact rules of a property are folded into one subschema, so
 * each value's type is checked once. Both accept the same bodies: rules with no exact JSON
 * Schema form run class-validator's check (`classValidatorRule`); `@ValidateIf` properties are
 * checked under an `if` that evaluates their conditions (`validateIfCondition`).
 */
export function engineSchemaOf(type: RuledClass, detailed: boolean): JsonSchema {
  const { schema, rootReferenced } = assemble(type, (rules, definitions) =>
    engineClassSchema(rules, definitions, detailed),
  );
  // compileValidator copies only the declared properties of the root: no stripping left to do
  // there, unless the root's schema also checks nested objects of its own class.
  if (!rootReferenced) delete schema.additionalProperties;
  return schema;
}

/**
 * JSON Schemas (draft-07) of classes, from their class-validator rules, in standard JSON
 * Schema only: rules with no exact form are left out (a schema may accept more than the rules,
 * never less), and so are the rules of `@ValidateIf` properties. Nested classes are inlined as
 * `definitions` of each schema, so every schema stands alone (the registry accepts no reference
 * outside the schema itself).
 */
export function schemasFor<T extends RuledClass>(types: T[]): Map<T, JsonSchema> {
  const result = new Map<T, JsonSchema>();
  for (const type of types) {
    const { schema } = assemble(type, portableClassSchema);
    result.set(type, { $schema: DRAFT_07, title: type.name, ...schema });
  }
  return result;
}

function assemble(
  type: RuledClass,
  classSchema: (rules: ClassRules, definitions: Definitions) => JsonSchema,
): { schema: JsonSchema; rootReferenced: boolean } {
  const definitions = new Definitions(type);
  const schema = classSchema(rulesOf(type), definitions);
  const inlined: Record<string, JsonSchema> = {};
  for (let next = definitions.pending.shift(); next; next = definitions.pending.shift()) {
    inlined[definitions.nameOf(next.type)] = classSchema(next, definitions);
  }
  if (Object.keys(inlined).length > 0) schema.definitions = inlined;
  return { schema, rootReferenced: definitions.rootReferenced };
}

function engineClassSchema(rules: ClassRules, definitions: Definitions, detailed: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const guarded: JsonSchema[] = [];
  for (const property of rules.properties.values()) {
    const checked = enginePropertySchema(property, definitions, detailed);
    const defaults = property.default ? { default: property.default.value } : {};
    if (property.condition) {
      properties[property.name] = defaults;
      guarded.push({
        if: { validateIfCondition: [rules.id, property.name] },
        then: { 'x-class': rules.id, required: [property.name], properties: { [property.name]: checked } },
      });
    } else if (property.optional) {
      properties[property.name] = { ...defaults, if: { type: 'null' }, else: checked };
    } else {
      properties[property.name] = { ...defaults, ...checked };
      required.push(property.name);
    }
  }
  // No `type: object` here: the nested rule (or, at the root, the validator) checks that.
  return {
    'x-class': rules.id,
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
    ...(guarded.length > 0 ? { allOf: guarded } : {}),
  };
}

function enginePropertySchema(property: PropertyRules, definitions: Definitions, detailed: boolean): JsonSchema {
  const parts: JsonSchema[] = [];
  const folded: JsonSchema = {};
  for (const rule of property.rules) {
    if (!rule.exact) parts.push({ 'x-rule': rule.id, classValidatorRule: rule.id });
    else if (detailed || rule.each) parts.push(eachOf(rule, { 'x-rule': rule.id, ...rule.exact }));
    else merge(folded, rule.exact);
  }
  if (Object.keys(folded).length > 0) parts.unshift(folded);
  if (property.nested) {
    const nested = property.nested;
    const one = { allOf: [{ 'x-rule': nested.id, type: 'object' }, { $ref: definitions.refTo(nested.type()) }] };
    parts.push(nested.each ? eachOf(nested, one) : one);
  }
  return parts.length === 1 ? parts[0] : parts.length === 0 ? {} : { allOf: parts };
}

/** class-validator's `each`: every item of an array value, or the value itself when it is not one. */
function eachOf(rule: Rule, schema: JsonSchema): JsonSchema {
  return rule.each ? { if: { type: 'array' }, then: { items: schema }, else: schema } : schema;
}

function portableClassSchema(rules: ClassRules, definitions: Definitions): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const property of rules.properties.values()) {
    const schema = property.condition ? {} : portablePropertySchema(property, definitions);
    if (property.default) schema.default = property.default.value;
    properties[property.name] = schema;
    if (!property.optional && !property.condition) required.push(property.name);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function portablePropertySchema(property: PropertyRules, definitions: Definitions): JsonSchema {
  const schema: JsonSchema = {};
  for (const rule of property.rules) {
    const fragment = rule.exact ? standard(rule.exact) : rule.hint;
    if (fragment) merge(schema, rule.each ? { items: fragment } : fragment);
  }
  if (property.nested) {
    const ref = { $ref: definitions.refTo(property.nested.type()) };
    if (property.nested.each) merge(schema, { type: 'array', items: ref });
    // Draft-07 ignores keywords beside a `$ref`: with others, the reference goes into `allOf`.
    else if (Object.keys(schema).length === 0) Object.assign(schema, ref);
    else schema.allOf = [...((schema.allOf as JsonSchema[] | undefined) ?? []), ref];
  }
  return schema;
}

/** The fragment without the engine's own keywords. */
function standard(fragment: JsonSchema): JsonSchema {
  const { finite: _finite, ...rest } = fragment;
  return rest;
}

/**
 * Folds a rule's fragment into the property's schema: `integer` wins over `number`, `items`
 * merge, and a keyword already present with another value goes into `allOf` (both apply).
 */
function merge(target: JsonSchema, fragment: JsonSchema): void {
  const conflicts: JsonSchema = {};
  for (const [key, value] of Object.entries(fragment)) {
    const current = target[key];
    if (current === undefined) {
      target[key] = value;
    } else if (key === 'type' && new Set([current, value]).size === 2 && [current, value].includes('number')) {
      if ([current, value].includes('integer')) target.type = 'integer';
      else conflicts[key] = value;
    } else if (key === 'items' && isSchema(current) && isSchema(value) && !('$ref' in current)) {
      merge(current, value);
    } else if (JSON.stringify(current) !== JSON.stringify(value)) {
      conflicts[key] = value;
    }
  }
  if (Object.keys(conflicts).length > 0) {
    target.allOf = [...((target.allOf as JsonSchema[] | undefined) ?? []), conflicts];
  }
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
