import Ajv, { _, type ErrorObject, type KeywordCxt, type ValidateFunction } from 'ajv';
import { ErrorCode } from '../errors/error-codes';
import { EventoError } from '../errors/evento-error';
import { classById, type ClassRules, type PropertyRules, ruleById, rulesOf } from './class-rules';
import { engineSchemaOf } from './json-schema';
import { type RuledClass } from './nested.decorator';

/** Validates a parsed body against a ruled class; returns it stripped, defaulted and typed, or throws VALIDATION_FAILED. */
export type Validator<T> = (body: unknown) => T;

export interface ValidatorOptions {
  /**
   * Convert strings to the types the rules ask for (`"5"` → 5, `"true"` → true, one value → a
   * one-item array): HTTP query strings and path parameters, environment variables. Bodies never.
   */
  coerce?: boolean;
}

/** A broken rule of one property, as every VALIDATION_FAILED reply lists them. */
export interface FieldProblem {
  /** Dotted path from the body's root: `events.0.eventName`. */
  property: string;
  /** Rule name → message, e.g. `{ isString: 'name must be a string' }`. */
  constraints: Record<string, string>;
}

/** How many messages the error's summary joins. */
const SUMMARY_MESSAGES = 5;

type Mode = 'fast' | 'full';

/**
 * One ajv per mode: `fast` stops at the first problem (the accept path), `full` (verbose, every
 * problem) runs only on a refused body to say everything that is wrong at once.
 */
const engines = new Map<string, Ajv>();

function engine(mode: Mode, coerce: boolean): Ajv {
  const key = `${mode}:${coerce}`;
  let ajv = engines.get(key);
  if (ajv) return ajv;
  ajv = new Ajv({
    allErrors: mode === 'full',
    verbose: mode === 'full',
    removeAdditional: true,
    useDefaults: true,
    coerceTypes: coerce ? 'array' : false,
    // Patterns run as class-validator runs them: `new RegExp(source)`, no `u` flag.
    unicodeRegExp: false,
    // The schemas are generated, and carry the engine's own annotations.
    strict: false,
    // The accept path never reads ajv's texts (refusals are phrased from the rules).
    messages: mode === 'full',
  });
  ajv.addKeyword({ keyword: 'x-rule', schemaType: 'number' });
  ajv.addKeyword({ keyword: 'x-class', schemaType: 'number' });
  ajv.addKeyword({
    keyword: 'finite',
    type: 'number',
    schemaType: 'boolean',
    code: (cxt: KeywordCxt) => cxt.fail(_`!isFinite(${cxt.data})`),
  });
  ajv.addKeyword({
    keyword: 'classValidatorRule',
    schemaType: 'number',
    errors: false,
    validate: (id: number, data: unknown, _schema?: unknown, context?: { parentData?: unknown }) =>
      ruleById(id)!.check(data, context?.parentData ?? {}),
  });
  ajv.addKeyword({
    keyword: 'validateIfCondition',
    schemaType: 'array',
    errors: false,
    validate: ([classId, property]: [number, string], data: unknown) =>
      conditionHolds(classById(classId)!, property, data as Record<string, unknown>),
  });
  engines.set(key, ajv);
  return ajv;
}

/**
 * A `@ValidateIf` condition sees the object as class-validator did (defaults in place); ajv
 * evaluates it before it fills the defaults in, so they are filled in for the condition here.
 */
function conditionHolds(rules: ClassRules, property: string, data: Record<string, unknown>): boolean {
  const rule = rules.properties.get(property)!;
  let object = data;
  for (const other of rules.properties.values()) {
    if (other.default && object[other.name] === undefined) {
      if (object === data) object = { ...data };
      object[other.name] = other.default.value;
    }
  }
  return rule.condition!(object);
}

interface Compiled {
  readonly pick: (body: object) => Record<string, unknown>;
  readonly fast: ValidateFunction;
  readonly full: ValidateFunction;
}

const compiled = new Map<RuledClass, Map<boolean, Compiled>>();

/**
 * The validator of a ruled class, compiled once per class and mode. Its rules are the class's
 * class-validator decorators; a property is required unless `@IsOptional()`; undeclared
 * properties are removed; property initialisers fill in what is absent. Rules with no exact
 * JSON Schema form (`ValidateIf`, `ValidateBy`, `IsUrl`, `IsDateString`, …) run
 * class-validator's own checks in the same pass. Nothing goes through class-transformer: the
 * cost is linear in the body (unknown top-level keys are never even enumerated).
 *
 * Returns plain objects (not class instances). Refusals are `VALIDATION_FAILED` with every
 * broken rule in `details` (`FieldProblem[]`), phrased as class-validator phrases them.
 */
export function compileValidator<T extends object>(
  type: abstract new (...args: never[]) => T,
  options: ValidatorOptions = {},
): Validator<T> {
  const coerce = options.coerce === true;
  let modes = compiled.get(type);
  if (!modes) {
    modes = new Map();
    compiled.set(type, modes);
  }
  let entry = modes.get(coerce);
  if (!entry) {
    // Both compiled now: compiling the refusal path on the first refused body would hold that
    // request's event loop for as long as ajv takes to compile it (tens of ms for a large class).
    entry = {
      pick: pickerOf([...rulesOf(type).properties.keys()]),
      fast: engine('fast', coerce).compile(engineSchemaOf(type, false)),
      full: engine('full', coerce).compile(engineSchemaOf(type, true)),
    };
    modes.set(coerce, entry);
  }
  const current = entry;
  return (body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'The body must be a JSON object');
    }
    // Only the declared properties are copied: an object with a hundred thousand unknown keys
    // costs what one with none does.
    const picked = current.pick(body);
    if (current.fast(picked)) return picked as T;
    // An array over its bound is all that needs saying: listing what is wrong with each of its
    // (say) 99,000 items would cost more than the body did to send.
    const first = current.fast.errors?.[0];
    if (first?.keyword === 'maxItems') throw refusal([tooManyItems(first)]);
    current.full(picked);
    throw refusal(problemsOf(current.full.errors ?? [], picked));
  };
}

/**
 * Copies a body's own declared properties into a fresh object, by code generated for the
 * class's property names (as ajv compiles its validators): with constant names every access is
 * a monomorphic property load, twice as fast on telemetry's hot path as a loop over the names.
 */
function pickerOf(names: string[]): (body: object) => Record<string, unknown> {
  const copies = names.map((name) => {
    const key = JSON.stringify(name);
    return `if (Object.hasOwn(body, ${key}) && body[${key}] !== undefined) picked[${key}] = body[${key}];`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- names are JSON-quoted, as ajv quotes them
  return new Function('body', `const picked = {};\n${copies.join('\n')}\nreturn picked;`) as (
    body: object,
  ) => Record<string, unknown>;
}

function tooManyItems(error: ErrorObject): FieldProblem {
  const path = pointerToPath(error.instancePath);
  const limit = (error.params as { limit: number }).limit;
  return {
    property: path.join('.'),
    constraints: { arrayMaxSize: `${path[path.length - 1] ?? 'body'} must contain no more than ${limit} elements` },
  };
}

/** The VALIDATION_FAILED error for problems: the first messages as its summary, all of them as details. */
export function refusal(problems: FieldProblem[]): EventoError {
  const summary = problems
    .flatMap((problem) => Object.values(problem.constraints))
    .slice(0, SUMMARY_MESSAGES)
    .join('; ');
  return new EventoError(ErrorCode.VALIDATION_FAILED, summary || 'Invalid request', problems);
}

/** ajv's errors as class-validator reported them: one entry per property path, rule name → message. */
function problemsOf(errors: ErrorObject[], root: object): FieldProblem[] {
  const problems = new Map<string, Record<string, string>>();
  const add = (path: string[], constraints: Record<string, string>) => {
    const key = path.join('.');
    problems.set(key, { ...problems.get(key), ...constraints });
  };
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    const path = pointerToPath(error.instancePath);
    const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;
    if (error.keyword === 'required') {
      const rules = classById(parentSchema['x-class'] as number);
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const property = rules?.properties.get(missing);
      const object = valueAt(root, path) as object;
      add(
        [...path, missing],
        property ? missingMessages(property, object) : { isDefined: `${missing} should not be null or undefined` },
      );
      continue;
    }
    const rule = typeof parentSchema['x-rule'] === 'number' ? ruleById(parentSchema['x-rule']) : undefined;
    if (rule) {
      // An `each` rule is reported on its property, not on the item, as class-validator does.
      const at =
        rule.each && rule.name !== 'nestedValidation' && path[path.length - 1] !== rule.property
          ? path.slice(0, -1)
          : path;
      const value = valueAt(root, at);
      add(at, { [rule.name]: rule.message(value, valueAt(root, at.slice(0, -1)) ?? {}) });
      continue;
    }
    add(path, { [error.keyword]: `${path[path.length - 1] ?? 'the body'} ${error.message ?? 'is invalid'}` });
  }
  return [...problems].map(([property, constraints]) => ({ property, constraints }));
}

/** What class-validator says of an absent property: the message of every rule that refuses `undefined`. */
function missingMessages(property: PropertyRules, object: object): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const rule of property.rules) {
    if (rule.exact || !rule.check(undefined, object)) messages[rule.name] = rule.message(undefined, object);
  }
  if (property.nested) messages[property.nested.name] = property.nested.message(undefined, object);
  if (Object.keys(messages).length === 0) messages.isDefined = `${property.name} should not be null or undefined`;
  return messages;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
