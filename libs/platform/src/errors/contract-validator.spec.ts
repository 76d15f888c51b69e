import { AppendRequest, EventoError, MAX_VERSION } from '@evento/contracts';
import { IsString, ValidateIf } from 'class-validator';
import { compileContractValidator } from './contract-validator';
import { HttpValidationPipe } from './validation.pipes';

const event = (over: Record<string, unknown> = {}) => ({
  eventId: 'e-1',
  eventName: 'Placed',
  payload: { a: 1, nested: { toString: 'kept', valueOf: 'kept' } },
  ...over,
});

/** Valid and invalid bodies for every rule of AppendRequest and its nested NewEvent. */
const CORPUS: unknown[] = [
  { events: [event()] },
  { aggregateId: 'order-1', expectedVersion: 0, events: [event()] },
  { aggregateId: 'order-1', expectedVersion: MAX_VERSION, events: [event(), event({ eventId: 'e-2' })] },
  { aggregateId: 'order-1', expectedVersion: 'any', events: [event({ context: 'sales', metadata: { by: 'x' } })] },
  { aggregateId: 'order-1', expectedVersion: 'none', events: [event()], extra: 'stripped' },
  { events: [event({ surplus: true })] },
  { aggregateId: null, expectedVersion: null, events: [event({ context: null, metadata: null })] },
  { events: [] },
  { events: 'no' },
  { events: [null] },
  { events: [1] },
  { events: [event({ eventId: '' })] },
  { events: [event({ eventId: 'has space' })] },
  { events: [event({ eventId: 'x'.repeat(129) })] },
  { events: [event({ eventName: 7 })] },
  { events: [event({ eventName: 'a b' })] },
  { events: [event({ context: '' })] },
  { events: [event({ payload: 'text' })] },
  { events: [event({ payload: [1, 2] })] },
  { events: [event({ payload: null })] },
  { events: [event({ metadata: 3 })] },
  { events: [{ eventId: 'e-1', eventName: 'Placed' }] },
  { aggregateId: '', events: [event()] },
  { aggregateId: 'a'.repeat(201), events: [event()] },
  { aggregateId: 5, events: [event()] },
  { expectedVersion: -1, events: [event()] },
  { expectedVersion: 1.5, events: [event()] },
  { expectedVersion: MAX_VERSION + 1, events: [event()] },
  { expectedVersion: 'some', events: [event()] },
  { expectedVersion: '3', events: [event()] },
  { events: Array.from({ length: 1001 }, (_, i) => event({ eventId: `e-${i}` })) },
  {},
];

async function viaPipe(body: unknown): Promise<unknown> {
  try {
    const value = await new HttpValidationPipe().transform(structuredClone(body), {
      type: 'body',
      metatype: AppendRequest,
    });
    return { ok: JSON.parse(JSON.stringify(value)) as unknown };
  } catch (error) {
    return { error: (error as EventoError).toBody() };
  }
}

function viaCompiled(validate: (body: unknown) => unknown, body: unknown): unknown {
  try {
    return { ok: JSON.parse(JSON.stringify(validate(structuredClone(body)))) as unknown };
  } catch (error) {
    return { error: (error as EventoError).toBody() };
  }
}

describe('compileContractValidator', () => {
  const validate = compileContractValidator(AppendRequest);

  it.each(CORPUS.map((body, i) => [i, body]))(
    'answers body %i exactly as the validation pipe does',
    async (_, body) => {
      expect(viaCompiled(validate, body)).toEqual(await viaPipe(body));
    },
  );

  it('accepts a valid body without class-validator, undeclared properties stripped', () => {
    const accepted = validate({ events: [event({ surplus: 1 })], extra: 2 });
    // The pipe's path returns class instances; the compiled one returns the parsed body.
    expect(accepted).not.toBeInstanceOf(AppendRequest);
    expect(accepted).toEqual({ events: [event()] });
  });

  it('leaves a rule the schema cannot express exactly to class-validator', () => {
    class Conditional {
      @ValidateIf((body: Conditional) => body.kind === 'named')
      @IsString()
      name?: string;

      @IsString()
      kind: string;
    }
    const conditional = compileContractValidator(Conditional);
    expect(() => conditional({ kind: 'named', name: 3 })).toThrow(/name must be a string/);
    expect(conditional({ kind: 'anonymous', name: 3 })).toMatchObject({ kind: 'anonymous' });
  });
});
