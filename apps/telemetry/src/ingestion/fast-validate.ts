import {
  BUNDLE_ID_PATTERN,
  type ConsumerLag,
  GATEWAY_WORK_KINDS,
  type GatewaySample,
  type HandlerSample,
  INSTANCE_ID_PATTERN,
  type InvocationCount,
  NAME_PATTERN,
  type ResourceReport,
  SAMPLE_OUTCOMES,
  TELEMETRY_BATCH_LIMIT,
} from '@evento/contracts';

/**
 * The rules of the telemetry contracts (libs/contracts/src/telemetry/samples.contract.ts),
 * checked by hand: class-validator takes ~100 ms for a batch of 500 samples, which would cap
 * ingestion at a few thousand samples per second. fast-validate.spec.ts checks that both
 * agree on valid and broken entries. Each function returns a clean copy (unknown keys
 * dropped, as the contract's whitelist does) or a reason.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const GATEWAY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const ERROR_CODE_PATTERN = /^[A-Z_]{1,64}$/;
const MAX_DURATION_MS = 86_400_000;
const MAX_CONSUMERS = 1000;
const MAX_EVENTS = 100;

type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const absent = (value: unknown) => value === undefined || value === null;
const name = (value: unknown) => typeof value === 'string' && NAME_PATTERN.test(value);
const count = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const amount = (value: unknown, max = Number.POSITIVE_INFINITY) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max;
const outcome = (value: unknown): value is HandlerSample['outcome'] =>
  (SAMPLE_OUTCOMES as readonly unknown[]).includes(value);
const fail = <T>(reason: string): Checked<T> => ({ ok: false, reason });

export function checkHandlerSample(raw: unknown): Checked<HandlerSample> {
  if (!isObject(raw)) return fail('a sample must be an object');
  const { component, handler, payload, startedAt, durationMs } = raw;
  if (!name(component) || !name(handler) || !name(payload)) return fail('component, handler and payload must be names');
  if (!count(startedAt)) return fail('startedAt must be a non-negative integer');
  if (!amount(durationMs, MAX_DURATION_MS)) return fail('durationMs must be a number from 0 to 86400000');
  if (!outcome(raw.outcome)) return fail('outcome must be ok or error');
  return {
    ok: true,
    value: {
      component: component as string,
      handler: handler as string,
      payload: payload as string,
      startedAt: startedAt as number,
      durationMs: durationMs as number,
      outcome: raw.outcome,
    },
  };
}

export function checkInvocationCount(raw: unknown): Checked<InvocationCount> {
  if (!isObject(raw)) return fail('an invocation count must be an object');
  const { component, handler, payload, executions, invoked } = raw;
  if (!name(component) || !name(handler) || !name(payload)) return fail('component, handler and payload must be names');
  if (!count(executions)) return fail('executions must be a non-negative integer');
  if (!isObject(invoked)) return fail('invoked must be an object');
  return {
    ok: true,
    value: {
      component: component as string,
      handler: handler as string,
      payload: payload as string,
      executions: executions as number,
      invoked: invoked as Record<string, number>,
    },
  };
}

export function checkResourceReport(raw: unknown): Checked<ResourceReport> {
  if (!isObject(raw)) return fail('resources must be an object');
  const { cpuPercent, rssBytes, heapUsedBytes, eventLoopDelayMs, inFlight, consumers } = raw;
  if (!amount(cpuPercent) || !amount(eventLoopDelayMs)) {
    return fail('cpuPercent and eventLoopDelayMs must be numbers ≥ 0');
  }
  if (!count(rssBytes) || !count(heapUsedBytes) || !count(inFlight)) {
    return fail('rssBytes, heapUsedBytes and inFlight must be non-negative integers');
  }
  let lags: ConsumerLag[] | undefined;
  if (!absent(consumers)) {
    if (!Array.isArray(consumers) || consumers.length > MAX_CONSUMERS) {
      return fail('consumers must be an array of at most 1000');
    }
    lags = [];
    for (const lag of consumers as unknown[]) {
      if (!isObject(lag) || !name(lag.consumerId) || !count(lag.lag)) {
        return fail('consumers must be { consumerId, lag }');
      }
      lags.push({ consumerId: lag.consumerId as string, lag: lag.lag as number });
    }
  }
  const report: ResourceReport = {
    cpuPercent: cpuPercent as number,
    rssBytes: rssBytes as number,
    heapUsedBytes: heapUsedBytes as number,
    eventLoopDelayMs: eventLoopDelayMs as number,
    inFlight: inFlight as number,
  };
  if (lags) report.consumers = lags;
  return { ok: true, value: report };
}

export function checkGatewaySample(raw: unknown): Checked<GatewaySample> {
  if (!isObject(raw)) return fail('a sample must be an object');
  const { kind, payload, bundleId, startedAt, waitMs, loadMs, bundleMs, appendMs, totalMs, errorCode, events } = raw;
  if (!(GATEWAY_WORK_KINDS as readonly unknown[]).includes(kind)) return fail('kind is not a gateway work kind');
  if (!name(payload)) return fail('payload must be a name');
  if (!absent(bundleId) && !(typeof bundleId === 'string' && BUNDLE_ID_PATTERN.test(bundleId))) {
    return fail('bundleId must be a bundle id');
  }
  if (!count(startedAt)) return fail('startedAt must be a non-negative integer');
  if (![waitMs, loadMs, bundleMs, appendMs, totalMs].every((ms) => amount(ms))) {
    return fail('times must be numbers ≥ 0');
  }
  if (!outcome(raw.outcome)) return fail('outcome must be ok or error');
  if (!absent(errorCode) && !(typeof errorCode === 'string' && ERROR_CODE_PATTERN.test(errorCode))) {
    return fail('errorCode must be an error code');
  }
  if (!absent(events) && !(Array.isArray(events) && events.length <= MAX_EVENTS && events.every(name))) {
    return fail('events must be at most 100 event names');
  }
  const sample: GatewaySample = {
    kind: kind as GatewaySample['kind'],
    payload: payload as string,
    startedAt: startedAt as number,
    waitMs: waitMs as number,
    loadMs: loadMs as number,
    bundleMs: bundleMs as number,
    appendMs: appendMs as number,
    totalMs: totalMs as number,
    outcome: raw.outcome,
  };
  if (!absent(bundleId)) sample.bundleId = bundleId;
  if (!absent(errorCode)) sample.errorCode = errorCode;
  if (!absent(events)) sample.events = events as string[];
  return { ok: true, value: sample };
}

/** The envelope of a bundle batch: ids, and the entry lists' shapes (their entries are checked one by one). */
export function checkBundleEnvelope(
  raw: Loose,
): Checked<{ bundleId: string; instanceId: string; samples: unknown[]; invocations: unknown[]; resources?: unknown }> {
  const { bundleId, instanceId, samples, invocations, resources } = raw;
  if (!(typeof bundleId === 'string' && BUNDLE_ID_PATTERN.test(bundleId))) return fail('bundleId must be a bundle id');
  if (!(typeof instanceId === 'string' && INSTANCE_ID_PATTERN.test(instanceId))) {
    return fail('instanceId must be an instance id');
  }
  for (const [field, list] of [
    ['samples', samples],
    ['invocations', invocations],
  ] as const) {
    if (!absent(list) && !(Array.isArray(list) && list.length <= TELEMETRY_BATCH_LIMIT)) {
      return fail(`${field} must be an array of at most ${TELEMETRY_BATCH_LIMIT}`);
    }
  }
  if (!absent(resources) && typeof resources !== 'object') return fail('resources must be an object');
  return {
    ok: true,
    value: {
      bundleId,
      instanceId,
      samples: (samples as unknown[] | null | undefined) ?? [],
      invocations: (invocations as unknown[] | null | undefined) ?? [],
      resources: absent(resources) ? undefined : resources,
    },
  };
}

export function checkGatewayEnvelope(raw: Loose): Checked<{ gatewayInstanceId: string; samples: unknown[] }> {
  const { gatewayInstanceId, samples } = raw;
  if (!(typeof gatewayInstanceId === 'string' && GATEWAY_ID_PATTERN.test(gatewayInstanceId))) {
    return fail('gatewayInstanceId must be an instance id');
  }
  if (!(Array.isArray(samples) && samples.length <= TELEMETRY_BATCH_LIMIT)) {
    return fail(`samples must be an array of at most ${TELEMETRY_BATCH_LIMIT}`);
  }
  return { ok: true, value: { gatewayInstanceId, samples } };
}
