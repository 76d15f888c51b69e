import { plainToInstance } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AppendRequest } from '../event-store/events.contract';
import { HelloRequest } from '../registry/hello.contract';
import { ErrorCode } from '../errors/error-codes';
import { EventoError } from '../errors/evento-error';
import { BundleTelemetryBatch } from '../telemetry/samples.contract';
import { compileValidator, type FieldProblem } from './compile-validator';
import { schemasFor } from './json-schema';
import { Nested } from './nested.decorator';

class Tag {
  @Matches(/^[a-z]{1,10}$/, { message: 'label must be 1-10 lower-case letters' })
  label: string;
}

class Order {
  @IsString()
  @MaxLength(5)
  id: string;

  @IsInt()
  @Min(1)
  @Max(10)
  quantity: number;

  @IsOptional()
  @IsIn(['eu', 'us'])
  region?: string;

  @IsOptional()
  @IsBoolean()
  express = false;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @Matches(/^[a-z]+$/, { each: true })
  notes?: string[];

  @IsOptional()
  @Nested(() => Tag, { each: true })
  tags?: Tag[];

  @IsOptional()
  @Nested(() => Tag)
  main?: Tag;
}

class Target {
  @IsIn(['kubernetes', 'script'])
  kind: string;

  @ValidateIf((target: Target) => target.kind === 'kubernetes')
  @Matches(/^[a-z-]+$/, { message: 'namespace is required for kubernetes' })
  namespace?: string;

  @IsOptional()
  @ValidateBy({
    name: 'isEven',
    validator: {
      validate: (value: unknown) => typeof value === 'number' && value % 2 === 0,
      defaultMessage: () => '$property must be even',
    },
  })
  even?: number;

  @IsOptional()
  @IsUrl({ protocols: ['https'], require_protocol: true })
  url?: string;

  @IsOptional()
  @IsDateString()
  at?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  ratio?: number;
}

class TreeNode {
  @IsString()
  name: string;

  @IsOptional()
  @IsArray()
  @Nested(() => TreeNode, { each: true })
  children?: TreeNode[];
}

class Query {
  @IsOptional()
  @IsInt()
  @Min(1)
  page?: number;

  @IsOptional()
  @IsBoolean()
  deep?: boolean;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  names?: string[];
}

function refusedBy(validate: (body: unknown) => unknown, body: unknown): { message: string; details: FieldProblem[] } {
  try {
    validate(body);
  } catch (error) {
    expect(error).toBeInstanceOf(EventoError);
    expect((error as EventoError).code).toBe(ErrorCode.VALIDATION_FAILED);
    return { message: (error as EventoError).message, details: (error as EventoError).details as FieldProblem[] };
  }
  throw new Error('expected a refusal');
}

describe('compileValidator', () => {
  const order = compileValidator(Order);

  it('accepts a valid body: undeclared properties removed, defaults filled in, plain objects returned', () => {
    const accepted = order({
      id: 'a1',
      quantity: 2,
      extra: 1,
      tags: [{ label: 'x', surplus: true }],
      main: { label: 'y', z: 1 },
    });
    expect(accepted).toEqual({ id: 'a1', quantity: 2, express: false, tags: [{ label: 'x' }], main: { label: 'y' } });
    expect(Object.getPrototypeOf(accepted)).toBe(Object.prototype);
  });

  it('strips and checks nested objects of the root class itself', () => {
    const tree = compileValidator(TreeNode);
    expect(tree({ name: 'a', x: 1, children: [{ name: 'b', y: 2, children: [] }] })).toEqual({
      name: 'a',
      children: [{ name: 'b', children: [] }],
    });
    expect(refusedBy(tree, { name: 'a', children: [{ name: 3 }] }).details).toEqual([
      { property: 'children.0.name', constraints: { isString: 'name must be a string' } },
    ]);
    expect(schemasFor([TreeNode]).get(TreeNode)).toMatchObject({
      properties: { children: { type: 'array', items: { $ref: '#' } } },
    });
  });

  it('requires what is not @IsOptional, and lets optional properties be null', () => {
    expect(refusedBy(order, { quantity: 2 }).details).toEqual([
      {
        property: 'id',
        constraints: { isString: 'id must be a string', maxLength: 'id must be shorter than or equal to 5 characters' },
      },
    ]);
    expect(order({ id: 'a', quantity: 1, region: null, tags: null })).toMatchObject({ region: null, tags: null });
    expect(
      refusedBy(compileValidator(HelloRequest), {
        bundleId: 'b',
        bundleVersion: '1',
        instanceId: 'i',
        protocolVersion: 1,
      }).details,
    ).toEqual([
      {
        property: 'location',
        constraints: {
          isDefined: 'location should not be null or undefined',
          nestedValidation: 'nested property location must be either object or array',
        },
      },
    ]);
  });

  it('reports every broken rule at once, with class-validator messages and nested paths', () => {
    const refused = refusedBy(order, {
      id: 7,
      quantity: 11,
      region: 'asia',
      notes: ['ok', 'NO'],
      tags: [{ label: 'fine' }, { label: 'UPPER' }, 'text'],
      main: 3,
    });
    expect(refused.details).toEqual([
      {
        property: 'id',
        constraints: { isString: 'id must be a string', maxLength: 'id must be shorter than or equal to 5 characters' },
      },
      { property: 'quantity', constraints: { max: 'quantity must not be greater than 10' } },
      { property: 'region', constraints: { isIn: 'region must be one of the following values: eu, us' } },
      { property: 'notes', constraints: { matches: 'each value in notes must match /^[a-z]+$/ regular expression' } },
      { property: 'tags.1.label', constraints: { matches: 'label must be 1-10 lower-case letters' } },
      {
        property: 'tags.2',
        constraints: { nestedValidation: 'each value in nested property tags must be either object or array' },
      },
      { property: 'main', constraints: { nestedValidation: 'nested property main must be either object or array' } },
    ]);
    expect(refused.message).toBe(
      'id must be shorter than or equal to 5 characters; id must be a string; quantity must not be greater than 10; region must be one of the following values: eu, us; each value in notes must match /^[a-z]+$/ regular expression',
    );
  });

  it('runs rules with no JSON Schema form through class-validator: ValidateIf, ValidateBy, IsUrl, IsDateString', () => {
    const target = compileValidator(Target);
    expect(target({ kind: 'script', even: 4, url: 'https://example.com/x', at: '2024-05-01T10:00:00Z' })).toEqual({
      kind: 'script',
      even: 4,
      url: 'https://example.com/x',
      at: '2024-05-01T10:00:00Z',
    });
    expect(
      refusedBy(target, { kind: 'kubernetes', even: 3, url: 'http://example.com', at: 'yesterday', ratio: Infinity })
        .details,
    ).toEqual([
      // ValidateIf properties are checked first (an `if` of the object), the others in their order.
      { property: 'namespace', constraints: { matches: 'namespace is required for kubernetes' } },
      { property: 'even', constraints: { isEven: 'even must be even' } },
      { property: 'url', constraints: { isUrl: 'url must be a URL address' } },
      { property: 'at', constraints: { isDateString: 'at must be a valid ISO 8601 date string' } },
      {
        property: 'ratio',
        constraints: { isNumber: 'ratio must be a number conforming to the specified constraints' },
      },
    ]);
    expect(target({ kind: 'kubernetes', namespace: 'ns' })).toEqual({ kind: 'kubernetes', namespace: 'ns' });
  });

  it('coerces query strings when asked, and only then', () => {
    expect(compileValidator(Query, { coerce: true })({ page: '3', deep: 'true', names: 'one' })).toEqual({
      page: 3,
      deep: true,
      names: ['one'],
    });
    expect(refusedBy(compileValidator(Query), { page: '3' }).details).toEqual([
      {
        property: 'page',
        constraints: { isInt: 'page must be an integer number', min: 'page must not be less than 1' },
      },
    ]);
    expect(refusedBy(compileValidator(Query, { coerce: true }), { page: 'three' }).details[0].property).toBe('page');
  });

  it('refuses a body that is not an object', () => {
    expect(refusedBy(order, [1]).message).toBe('The body must be a JSON object');
    expect(refusedBy(order, 'text').message).toBe('The body must be a JSON object');
  });

  it('answers 95,000 unknown top-level keys and a 95,000-key payload in linear time', () => {
    const keys = (count: number) => {
      const object: Record<string, number> = {};
      for (let i = 0; i < count; i += 1) object[`k${i}`] = i;
      return object;
    };
    const append = compileValidator(AppendRequest);
    const hello = compileValidator(HelloRequest);
    const batch = compileValidator(BundleTelemetryBatch);
    const event = { eventId: 'e-1', eventName: 'Happened', payload: {} };
    append({ events: [event] });
    // Each body is built just before it is timed, so the others' garbage is not collected meanwhile.
    const parsed = (value: unknown) => () => JSON.parse(JSON.stringify(value)) as unknown;
    const cases: Array<[string, (body: unknown) => unknown, () => unknown]> = [
      ['unknown keys, accepted', append, parsed({ ...keys(95_000), events: [event] })],
      ['unknown keys, refused', hello, parsed(keys(95_000))],
      ['unknown keys, telemetry', batch, parsed({ ...keys(95_000), bundleId: 'b', instanceId: 'i' })],
      ['payload keys, accepted', append, parsed({ events: [{ ...event, payload: keys(95_000) }] })],
      ['payload keys, refused', append, parsed({ events: [{ ...event, eventId: '', payload: keys(95_000) }] })],
    ];
    for (const [name, validate, build] of cases) {
      const body = build();
      const started = process.hrtime.bigint();
      try {
        validate(body);
      } catch (error) {
        expect(error).toBeInstanceOf(EventoError);
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect([name, ms < 50]).toEqual([name, true]);
    }
  });

  it('compiles once per class and mode', () => {
    expect(compileValidator(Order)).not.toBe(order);
    const first = process.hrtime.bigint();
    for (let i = 0; i < 1000; i += 1) compileValidator(Order)({ id: 'a', quantity: 1 });
    expect(Number(process.hrtime.bigint() - first) / 1e6).toBeLessThan(500);
  });

  it('asks for @Nested where ValidateNested cannot tell an array item class', () => {
    class Holder {
      @IsArray()
      @ValidateNested({ each: true })
      items: Tag[];
    }
    expect(() => compileValidator(Holder)).toThrow(/@Nested\(\(\) => ItemClass, \{ each: true \}\)/);
    class Single {
      @ValidateNested()
      tag: Tag;
    }
    expect(refusedBy(compileValidator(Single), { tag: { label: 'UP' } }).details[0].property).toBe('tag.label');
  });

  it('keeps plainToInstance working on @Nested classes', () => {
    const instance = plainToInstance(Order, { id: 'a', quantity: 1, tags: [{ label: 'x' }], main: { label: 'y' } });
    expect(instance.tags?.[0]).toBeInstanceOf(Tag);
    expect(instance.main).toBeInstanceOf(Tag);
  });
});

describe('schemasFor', () => {
  it('says in standard JSON Schema what has an exact form, and nothing of the rest', () => {
    const schema = schemasFor([Order, Target]);
    expect(schema.get(Order)).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Order',
      type: 'object',
      properties: {
        id: { type: 'string', maxLength: 5 },
        quantity: { type: 'integer', minimum: 1, maximum: 10 },
        region: { enum: ['eu', 'us'] },
        express: { type: 'boolean', default: false },
        notes: { type: 'array', maxItems: 3, items: { type: 'string', pattern: '^[a-z]+$' } },
        tags: { type: 'array', items: { $ref: '#/definitions/Tag' } },
        main: { $ref: '#/definitions/Tag' },
      },
      required: ['id', 'quantity'],
      definitions: {
        Tag: {
          type: 'object',
          properties: { label: { type: 'string', pattern: '^[a-z]{1,10}$' } },
          required: ['label'],
        },
      },
    });
    expect(schema.get(Target)).toMatchObject({
      properties: {
        kind: { enum: ['kubernetes', 'script'] },
        namespace: {},
        even: {},
        url: { type: 'string' },
        at: { type: 'string' },
      },
      required: ['kind'],
    });
    expect(JSON.stringify(schema.get(Target))).not.toMatch(/x-rule|classValidatorRule|validateIfCondition|finite/);
  });
});
