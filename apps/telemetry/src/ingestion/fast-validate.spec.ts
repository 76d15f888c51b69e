import { ConsumerLag, GatewaySample, HandlerSample, InvocationCount, ResourceReport } from '@evento/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { checkGatewaySample, checkHandlerSample, checkInvocationCount, checkResourceReport } from './fast-validate';

const contractSays = (cls: new () => object, raw: unknown): boolean => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  return validateSync(plainToInstance(cls, raw), { whitelist: true, forbidUnknownValues: true }).length === 0;
};

/** Each field replaced in turn by values that break (or just bend) the rules. */
const ODD_VALUES: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'has space',
  'x'.repeat(201),
  'ok',
  'error',
  'PlaceOrder',
  -1,
  0,
  1.5,
  86_400_000,
  86_400_001,
  Number.NaN,
  '5',
  true,
  {},
  [],
  ['A'],
  ['bad name'],
  'DOMAIN',
  'query',
  { a: 1 },
];

function agreeOnMutations(
  cls: new () => object,
  valid: Record<string, unknown>,
  check: (raw: unknown) => { ok: boolean },
) {
  const cases: unknown[] = [valid, null, [], 'x', 1, { ...valid, extra: 'ignored' }];
  for (const key of Object.keys(valid)) for (const odd of ODD_VALUES) cases.push({ ...valid, [key]: odd });
  for (const raw of cases) expect([raw, check(raw).ok]).toEqual([raw, contractSays(cls, raw)]);
}

describe('fast validation agrees with the contract classes', () => {
  it('on handler samples', () => {
    agreeOnMutations(
      HandlerSample,
      { component: 'C', handler: 'h', payload: 'P', startedAt: 1, durationMs: 2.5, outcome: 'ok' },
      checkHandlerSample,
    );
  });

  it('on invocation counts', () => {
    agreeOnMutations(
      InvocationCount,
      { component: 'C', handler: 'h', payload: 'P', executions: 3, invoked: { A: 1 } },
      checkInvocationCount,
    );
  });

  it('on resource reports', () => {
    agreeOnMutations(
      ResourceReport,
      {
        cpuPercent: 1.5,
        rssBytes: 10,
        heapUsedBytes: 5,
        eventLoopDelayMs: 0.5,
        inFlight: 0,
        consumers: [{ consumerId: 'p', lag: 1 }],
      },
      checkResourceReport,
    );
    agreeOnMutations(ConsumerLag, { consumerId: 'p', lag: 1 }, (lag) =>
      checkResourceReport({
        cpuPercent: 1,
        rssBytes: 1,
        heapUsedBytes: 1,
        eventLoopDelayMs: 1,
        inFlight: 1,
        consumers: [lag],
      }),
    );
  });

  it('on gateway samples', () => {
    agreeOnMutations(
      GatewaySample,
      {
        kind: 'domain-command',
        payload: 'P',
        bundleId: 'b',
        startedAt: 1,
        waitMs: 1,
        loadMs: 1,
        bundleMs: 1,
        appendMs: 1,
        totalMs: 4,
        outcome: 'error',
        errorCode: 'CONFLICT',
        events: ['E'],
      },
      checkGatewaySample,
    );
  });

  it('drops unknown keys', () => {
    const checked = checkHandlerSample({
      component: 'C',
      handler: 'h',
      payload: 'P',
      startedAt: 1,
      durationMs: 2,
      outcome: 'ok',
      x: 1,
    });
    expect(checked).toEqual({
      ok: true,
      value: { component: 'C', handler: 'h', payload: 'P', startedAt: 1, durationMs: 2, outcome: 'ok' },
    });
  });
});
