import {
  AppendRequest,
  compileValidator,
  ErrorCode,
  EventoError,
  type FieldProblem,
  MAX_VERSION,
} from '@evento/contracts';
import { HttpValidationPipe } from './validation.pipes';

const event = (over: Record<string, unknown> = {}) => ({
  eventId: 'e-1',
  eventName: 'Placed',
  payload: { a: 1, nested: { toString: 'kept', valueOf: 'kept' } },
  ...over,
});

/** Valid bodies for every rule of AppendRequest and its nested NewEvent, as the engine returns them. */
const ACCEPTED: Array<[unknown, unknown]> = [
  [{ events: [event()] }, { events: [event()] }],
  [{ aggregateId: 'order-1', expectedVersion: 0, events: [event()] }, undefined],
  [{ aggregateId: 'order-1', expectedVersion: MAX_VERSION, events: [event(), event({ eventId: 'e-2' })] }, undefined],
  [
    { aggregateId: 'order-1', expectedVersion: 'any', events: [event({ context: 'sales', metadata: { by: 'x' } })] },
    undefined,
  ],
  [
    { aggregateId: 'order-1', expectedVersion: 'none', events: [event()], extra: 'stripped' },
    { aggregateId: 'order-1', expectedVersion: 'none', events: [event()] },
  ],
  [{ events: [event({ surplus: true })] }, { events: [event()] }],
  // Optional properties may be null, as with class-validator's @IsOptional.
  [{ aggregateId: null, expectedVersion: null, events: [event({ context: null, metadata: null })] }, undefined],
];

/** Refused bodies, with the properties the refusal names. */
const REFUSED: Array<[unknown, string[]]> = [
  [{ events: [] }, ['events']],
  [{ events: 'no' }, ['events']],
  [{ events: [null] }, ['events.0']],
  [{ events: [1] }, ['events.0']],
  [{ events: [event({ eventId: '' })] }, ['events.0.eventId']],
  [{ events: [event({ eventId: 'has space' })] }, ['events.0.eventId']],
  [{ events: [event({ eventId: 'x'.repeat(129) })] }, ['events.0.eventId']],
  [{ events: [event({ eventName: 7 })] }, ['events.0.eventName']],
  [{ events: [event({ eventName: 'a b' })] }, ['events.0.eventName']],
  [{ events: [event({ context: '' })] }, ['events.0.context']],
  [{ events: [event({ payload: 'text' })] }, ['events.0.payload']],
  [{ events: [event({ payload: [1, 2] })] }, ['events.0.payload']],
  [{ events: [event({ payload: null })] }, ['events.0.payload']],
  [{ events: [event({ metadata: 3 })] }, ['events.0.metadata']],
  [{ events: [{ eventId: 'e-1', eventName: 'Placed' }] }, ['events.0.payload']],
  [{ aggregateId: '', events: [event()] }, ['aggregateId']],
  [{ aggregateId: 'a'.repeat(201), events: [event()] }, ['aggregateId']],
  [{ aggregateId: 5, events: [event()] }, ['aggregateId']],
  [{ expectedVersion: -1, events: [event()] }, ['expectedVersion']],
  [{ expectedVersion: 1.5, events: [event()] }, ['expectedVersion']],
  [{ expectedVersion: MAX_VERSION + 1, events: [event()] }, ['expectedVersion']],
  [{ expectedVersion: 'some', events: [event()] }, ['expectedVersion']],
  [{ expectedVersion: '3', events: [event()] }, ['expectedVersion']],
  [{ events: Array.from({ length: 1001 }, (_, i) => event({ eventId: `e-${i}` })) }, ['events']],
  [{}, ['events']],
  [
    { aggregateId: 5, expectedVersion: 'x', events: [event({ eventId: '' }), event({ eventName: 1, payload: 2 })] },
    ['aggregateId', 'expectedVersion', 'events.0.eventId', 'events.1.eventName', 'events.1.payload'],
  ],
];

function refusalOf(run: () => unknown): { message: string; details: FieldProblem[] } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EventoError);
    expect((error as EventoError).code).toBe(ErrorCode.VALIDATION_FAILED);
    return { message: (error as EventoError).message, details: (error as EventoError).details as FieldProblem[] };
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('the validation engine, called directly and through the HTTP pipe', () => {
  const validate = compileValidator(AppendRequest);
  const pipe = new HttpValidationPipe();
  const viaPipe = (body: unknown) => pipe.transform(structuredClone(body), { type: 'body', metatype: AppendRequest });

  it.each(ACCEPTED.map(([body, result], i) => [i, body, result]))(
    'accepts body %i, undeclared properties removed, through the function and the pipe alike',
    (_, body, result) => {
      const expected = result ?? body;
      expect(validate(structuredClone(body))).toEqual(expected);
      expect(viaPipe(body)).toEqual(expected);
    },
  );

  it.each(REFUSED.map(([body, properties], i) => [i, body, properties]))(
    'refuses body %i naming every broken property at once',
    (_, body, properties) => {
      const refused = refusalOf(() => validate(structuredClone(body)));
      expect(refused.details.map((problem) => problem.property).sort()).toEqual([...properties].sort());
      expect(refused.message).toBe(
        refused.details
          .flatMap((problem) => Object.values(problem.constraints))
          .slice(0, 5)
          .join('; '),
      );
      expect(refusalOf(() => viaPipe(body))).toEqual(refused);
    },
  );

  it('phrases refusals with the contract rules’ messages', () => {
    expect(refusalOf(() => validate({ expectedVersion: '3', events: [event({ eventId: '' })] })).details).toEqual([
      {
        property: 'expectedVersion',
        constraints: {
          isExpectedVersion: `expectedVersion must be an integer from 0 to ${MAX_VERSION}, "any" or "none"`,
        },
      },
      { property: 'events.0.eventId', constraints: { matches: 'eventId must be 1-128 of A-Z a-z 0-9 . _ : -' } },
    ]);
  });

  it('returns plain objects, payloads exactly as received', () => {
    const accepted = validate({ events: [event()] });
    expect(accepted).not.toBeInstanceOf(AppendRequest);
    expect(accepted.events[0].payload).toEqual({ a: 1, nested: { toString: 'kept', valueOf: 'kept' } });
  });
});
