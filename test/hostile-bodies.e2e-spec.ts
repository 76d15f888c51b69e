import {
  APP_NAMES,
  type AppName,
  type EventContract,
  EventStoreContracts,
  GatewayContracts,
  JsonLimits,
  RegistryContracts,
  type RequestContract,
  ScalerContracts,
  SystemContracts,
  TelemetryContracts,
} from '@evento/contracts';
import { connectTestNats, dropDatabase, freshDatabaseUrl, freePort } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { ContractClient } from '@evento/platform';
import { AppProcess, ensureBuilt } from './support/app-process';

/**
 * Bodies of any shape up to the size limit never hold an app's event loop: each one costs the
 * app little CPU (measured on the app's own process, so a busy machine does not blur it), on
 * every NATS subject it serves and every HTTP operation that takes a body, while its liveness
 * probe keeps answering. The shapes are the ones that used to freeze an app for seconds (a
 * class with ~95,000 undeclared keys went through class-transformer in quadratic time).
 */

jest.setTimeout(300_000);

/** The goal: no single message of any shape costs more than this much of the app's CPU. */
const MAX_CPU_MS_PER_BODY = 50;
const TICK_MS = 1000 / 100; // /proc reports CPU in clock ticks of 10 ms (USER_HZ)
const TRIES = 3;

/** Short keys, so the most keys fit under the size limit. */
function wide(keys: number, prefix = ''): Record<string, number> {
  const object: Record<string, number> = {};
  for (let i = 0; i < keys; i += 1) object[`${prefix}${i.toString(36)}`] = 0;
  return object;
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = { n: value };
  return value;
}

/** Each within the protocol's size limit (checked below). */
const BODIES: Array<{ name: string; text: string }> = [
  { name: '95,000 keys at the top', text: JSON.stringify(wide(95_000)) },
  { name: 'the most keys one object may have, at the top', text: JSON.stringify(wide(JsonLimits.maxKeysPerObject)) },
  {
    name: 'the most keys one object may have, as a payload',
    text: JSON.stringify({
      command: 'Wide',
      aggregateId: 'a',
      payload: wide(JsonLimits.maxKeysPerObject),
      events: [{ eventId: 'e', eventName: 'Wide', payload: wide(JsonLimits.maxKeysPerObject, 'p') }],
    }),
  },
  { name: '99,000 array items', text: JSON.stringify({ events: Array.from({ length: 99_000 }, () => 0) }) },
  {
    name: `nested ${JsonLimits.maxDepth - 2} levels`,
    text: JSON.stringify({ payload: nested(JsonLimits.maxDepth - 2) }),
  },
  { name: 'one long string', text: JSON.stringify({ payload: { text: 'x'.repeat(JsonLimits.maxBytes - 100) } }) },
];

type AnyContract = RequestContract<object, unknown> | EventContract<object>;

function contractsOf(app: AppName): AnyContract[] {
  const all: AnyContract[] = [
    ...Object.values(EventStoreContracts),
    ...Object.values(GatewayContracts),
    ...Object.values(RegistryContracts),
    ...Object.values(TelemetryContracts),
    ...Object.values(ScalerContracts),
    ...Object.values(SystemContracts.ping),
  ];
  return all.filter((contract) => contract.subject.startsWith(`evento.v1.${app}.`));
}

/** User plus system CPU of a process so far, in milliseconds. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

interface Operation {
  method: string;
  path: string;
}

async function bodyOperations(baseUrl: string): Promise<Operation[]> {
  const document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const method of Object.keys(methods)) {
      if (['post', 'put', 'patch'].includes(method)) {
        operations.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') });
      }
    }
  }
  return operations;
}

interface Cost {
  target: string;
  body: string;
  cpuMs: number;
}

describe('hostile bodies', () => {
  const url = freshDatabaseUrl('hostile');
  let nc: NatsConnection;
  let client: ContractClient;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    for (const app of APP_NAMES) await ensureBuilt(app);
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
  }, 180_000);

  afterAll(async () => {
    for (const app of running) await app.stop();
    await nc?.drain();
    await dropDatabase(url);
  });

  it('sends bodies within the size limit', () => {
    for (const body of BODIES) expect(Buffer.byteLength(body.text)).toBeLessThanOrEqual(JsonLimits.maxBytes);
  });

  it.each(APP_NAMES.map((app) => [app]))('%s: no body costs more than 50 ms of its CPU', async (app) => {
    const port = await freePort();
    const instanceId = `hostile-${app}-${process.pid}`;
    const process_ = new AppProcess(app, { DATABASE_URL: url, INSTANCE_ID: instanceId, HTTP_PORT: String(port) });
    running.push(process_);
    await process_.ready(client, instanceId);
    const baseUrl = `http://127.0.0.1:${port}`;

    // The liveness probe keeps answering throughout; its slowest answer is reported.
    let probing = true;
    let slowestProbeMs = 0;
    const probe = (async () => {
      while (probing) {
        const started = performance.now();
        const response = await fetch(`${baseUrl}/health/live`);
        expect(response.status).toBe(200);
        slowestProbeMs = Math.max(slowestProbeMs, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const costs: Cost[] = [];
    // The least of a few tries: what the body itself costs, without a garbage collection or
    // the first run of a code path that happened to fall on it.
    const measure = async (target: string, body: string, send: () => Promise<unknown>) => {
      let least = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < TRIES; attempt += 1) {
        const before = cpuMs(process_.pid);
        await send().catch(() => undefined);
        least = Math.min(least, cpuMs(process_.pid) - before);
      }
      costs.push({ target, body, cpuMs: least });
    };

    for (const contract of contractsOf(app)) {
      for (const body of BODIES) {
        if (contract.kind === 'request') {
          await measure(contract.subject, body.name, () =>
            nc.request(contract.subject, body.text, { timeout: 10_000 }),
          );
        } else {
          // Fire-and-forget: a ping right behind it on the same connection returns once it was read.
          await measure(contract.subject, body.name, async () => {
            nc.publish(contract.subject, body.text);
            await client.request(SystemContracts.ping[app], {}, { timeoutMs: 10_000 });
          });
        }
      }
    }
    for (const operation of await bodyOperations(baseUrl)) {
      for (const body of BODIES) {
        await measure(`${operation.method} ${operation.path}`, body.name, () =>
          fetch(`${baseUrl}${operation.path}`, {
            method: operation.method,
            headers: { 'content-type': 'application/json' },
            body: body.text,
          }).then((response) => response.arrayBuffer()),
        );
      }
    }
    probing = false;
    await probe;

    const worst = costs.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
    process.stdout.write(
      `${app}: ${costs.length} hostile bodies, most CPU for one ${worst.cpuMs} ms (${worst.body} on ${worst.target}), slowest /health/live ${slowestProbeMs.toFixed(0)} ms\n`,
    );
    expect(costs.length).toBeGreaterThan(BODIES.length);
    expect(costs.filter((cost) => cost.cpuMs > MAX_CPU_MS_PER_BODY)).toEqual([]);
    expect(process_.running).toBe(true);
  });
});
