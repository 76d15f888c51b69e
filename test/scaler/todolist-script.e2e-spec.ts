import { GatewayContracts, Headers } from '@evento/contracts';
import { waitFor } from '@evento/testing';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../support/apps';
import { useSuite } from '../sdk/support';
import { available, FIXTURES, http, sleep } from './support';

/**
 * The deploy-script actuator with the real TodoList example: a script starts built example
 * processes (`node dist/examples/todolist/src/main.js`) whose SDK runs the thread-count
 * autoscaling protocol with low thresholds. A burst of commands through the gateway makes them
 * suffer and the scaler starts instances up to the maximum and no further; idleness makes them
 * bored and the scaler drains them (each exits after its drain) down to the minimum; an
 * instance killed below the minimum is replaced.
 */

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'examples', 'todolist', 'src', 'main.js');
const BUNDLE = 'todolist';
const TOKEN = 'todolist-scaler-token-0123456789';

/** Builds the example (and the libraries it uses) when dist/ is older than its sources. */
function ensureExampleBuilt(): void {
  const newest = (dir: string): number => {
    let latest = 0;
    const walk = (path: string) => {
      const stat = statSync(path);
      if (stat.isDirectory()) {
        for (const entry of readdirSync(path)) walk(join(path, entry));
      } else if (path.endsWith('.ts')) latest = Math.max(latest, stat.mtimeMs);
    };
    walk(join(ROOT, dir));
    return latest;
  };
  const sources = Math.max(
    ...['examples/todolist/src', 'libs/sdk/src', 'libs/contracts/src', 'libs/platform/src'].map(newest),
  );
  if (existsSync(ENTRY) && statSync(ENTRY).mtimeMs >= sources) return;
  execFileSync('npx', ['nest', 'build', 'todolist'], { cwd: ROOT, stdio: 'pipe' });
}

/** The example processes the deploy script started, from its log of starts. */
class TodoListFleet {
  readonly dir = mkdtempSync(join(tmpdir(), 'evento-todolist-'));
  readonly startsLog = join(this.dir, 'starts.log');
  readonly logDir = join(this.dir, 'logs');
  readonly tokensLog = join(this.dir, 'tokens.log');

  constructor() {
    mkdirSync(this.logDir);
  }

  starts(): Array<{ instanceId: string; pid: number }> {
    if (!existsSync(this.startsLog)) return [];
    return readFileSync(this.startsLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [instanceId, pid] = line.split(' ');
        return { instanceId, pid: Number(pid) };
      });
  }

  running(): string[] {
    return this.starts()
      .filter(({ pid }) => alive(pid))
      .map(({ instanceId }) => instanceId);
  }

  output(instanceId: string): string {
    const file = join(this.logDir, `${instanceId}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** The credential the deploy script handed an instance. */
  token(instanceId: string): string | undefined {
    if (!existsSync(this.tokensLog)) return undefined;
    const line = readFileSync(this.tokensLog, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${instanceId} `));
    return line?.split(' ')[1];
  }

  /** The REST API's address the instance printed. */
  httpUrl(instanceId: string): string | undefined {
    return /TodoList on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.output(instanceId))?.[1];
  }

  kill(instanceId: string): void {
    const pid = this.starts().find((s) => s.instanceId === instanceId)?.pid;
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
  }

  killAll(): void {
    for (const { instanceId } of this.starts()) this.kill(instanceId);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Decision {
  decisionId: string;
  action: string;
  count: number;
  outcome: string;
  reason: string;
  output: string | null;
  inputs: { suffering: string[]; bored: string[] };
}

describe('scaler with a deploy script starting the real TodoList example', () => {
  let scaler: RunningApp | undefined;
  const fleet = new TodoListFleet();
  const scriptDir = mkdtempSync(join(tmpdir(), 'evento-scripts-'));
  // Declared before the suite's hooks so it runs first: the scaler and the processes go before the database.
  afterAll(async () => {
    await scaler?.app.close();
    fleet.killAll();
    rmSync(scriptDir, { recursive: true, force: true });
  });
  const suite = useSuite('scaler_todolist', ['event-store', 'registry', 'gateway'], {
    BUNDLE_TOKENS: `${BUNDLE}=${TOKEN}`,
    DATABASE_POOL_SIZE: '4',
  });
  const url = () => scaler!.url;

  const decisions = async (action?: string) => {
    const log = (await http(url(), 'GET', `/decisions?bundleId=${BUNDLE}&limit=500`)).body as Decision[];
    return log.filter((d) => action === undefined || d.action === action);
  };

  beforeAll(async () => {
    ensureExampleBuilt();
    writeFileSync(
      join(scriptDir, 'start-todolist.sh'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(FIXTURES, 'start-todolist.mjs')}"\n`,
    );
    chmodSync(join(scriptDir, 'start-todolist.sh'), 0o755);
    scaler = await startApp('scaler', {
      DATABASE_URL: suite.url,
      DATABASE_POOL_SIZE: '3',
      SCALER_TICK_MS: '300',
      SCALER_LEADER_POLL_MS: '300',
      // The SDK says bored once per idle episode: the signal must outlive the cool-down between drains.
      SCALER_SIGNAL_WINDOW_MS: '8000',
      DEPLOY_SCRIPT_DIR: scriptDir,
      DEPLOY_SCRIPT_TIMEOUT_MS: '10000',
      ACTUATOR_RETRY_BASE_MS: '500',
      ACTUATOR_RETRY_MAX_MS: '4000',
      BUNDLE_TOKENS: `${BUNDLE}=${TOKEN}`,
    });
  });
  /** Commands through the gateway, as another bundle sends them, `concurrency` at a time until stopped. */
  function burst(concurrency: number): { stop: () => Promise<number> } {
    let running = true;
    let sent = 0;
    const worker = async (w: number) => {
      for (let i = 0; running; i += 1) {
        const h = natsHeaders();
        h.set(Headers.bundleId, BUNDLE);
        h.set(Headers.token, TOKEN);
        h.set(Headers.deadline, String(Date.now() + 10_000));
        const listId = `burst-${w}-${i}-${Date.now()}`;
        try {
          await suite.nc.request(
            GatewayContracts.command.subject,
            JSON.stringify({
              command: 'CreateTodoList',
              aggregateId: listId,
              payload: { listId, name: 'Load', owner: 'burst' },
            }),
            { timeout: 10_000, headers: h },
          );
          sent += 1;
        } catch {
          await sleep(50); // an instance leaving mid-request: the next one goes elsewhere
        }
      }
    };
    const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
    return {
      stop: async () => {
        running = false;
        await Promise.all(workers);
        return sent;
      },
    };
  }

  it('starts the minimum at boot: one real TodoList process that joins the suite', async () => {
    const put = await http(url(), 'PUT', `/policies/${BUNDLE}`, {
      enabled: true,
      minInstances: 1,
      maxInstances: 3,
      step: 1,
      cooldownUpMs: 1_000,
      cooldownDownMs: 1_000,
      startTimeoutMs: 60_000,
      drainTimeoutMs: 15_000,
      autorun: true,
      actuator: {
        kind: 'script',
        script: 'start-todolist.sh',
        environment: {
          DATABASE_URL: suite.url,
          TODOLIST_STARTS_LOG: fleet.startsLog,
          TODOLIST_LOG_DIR: fleet.logDir,
          TODOLIST_TOKENS_LOG: fleet.tokensLog,
          // Suffering: more than one command in flight on two arrivals in a row; bored: idle 1 s.
          TODOLIST_AUTOSCALING_MAX_IN_FLIGHT: '1',
          TODOLIST_AUTOSCALING_MAX_OVERFLOW: '2',
          TODOLIST_AUTOSCALING_MIN_IN_FLIGHT: '1',
          TODOLIST_AUTOSCALING_MAX_UNDERFLOW: '1000000',
          TODOLIST_AUTOSCALING_BORED_TIMEOUT_MS: '1000',
        },
      },
    });
    expect(put.status).toBe(201);
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 1, {
      timeoutMs: 60_000,
      what: 'one TodoList instance',
    });
    expect(fleet.starts()).toHaveLength(1);
    expect(fleet.running()).toHaveLength(1);
    const [up] = await decisions('up');
    expect(up.reason).toBe('below min: 0 < 1');
    expect(up.output).toMatch(/started TodoList todolist-[0-9a-f]+ \(pid \d+\)/);
  });

  it('gives the process a short-lived token: its hello and its commands through the gateway carry it', async () => {
    const [instanceId] = await available(suite.client, BUNDLE);
    const token = fleet.token(instanceId)!;
    expect(token).toMatch(/^evento1\.todolist\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain(TOKEN);
    // Available means the registry accepted its hello; a command from its REST API goes through
    // the gateway, which checks the same token in the request's headers.
    await waitFor(() => fleet.httpUrl(instanceId) !== undefined, { what: 'the REST API to listen' });
    const response = await fetch(`${fleet.httpUrl(instanceId)}/lists`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Scaled', owner: 'scaler' }),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { listId: string }).listId).toEqual(expect.any(String));
  });

  it('scales up to the maximum under a burst of commands, and no further', async () => {
    const load = burst(12);
    try {
      await waitFor(async () => (await available(suite.client, BUNDLE)).length === 3, {
        timeoutMs: 120_000,
        what: 'three TodoList instances',
      });
      // Still under load at the maximum: nothing more may start.
      await sleep(4_000);
      expect(await available(suite.client, BUNDLE)).toHaveLength(3);
      expect(fleet.starts()).toHaveLength(3);
      expect(fleet.running()).toHaveLength(3);
    } finally {
      const sent = await load.stop();
      expect(sent).toBeGreaterThan(0);
    }
    const ups = await decisions('up');
    expect(ups.reduce((sum, d) => sum + d.count, 0)).toBe(3);
    const scaleUps = ups.filter((d) => /suffering/.test(d.reason));
    expect(scaleUps).toHaveLength(2);
    for (const d of scaleUps) expect(d.inputs.suffering.length).toBeGreaterThan(0);
    const holds = await decisions('hold');
    expect(holds.some((d) => /suffering, at max 3/.test(d.reason))).toBe(true);
  });

  it('drains the bored instances down to the minimum once idle; each process exits after its drain', async () => {
    await waitFor(async () => (await available(suite.client, BUNDLE)).length === 1 && fleet.running().length === 1, {
      timeoutMs: 60_000,
      what: 'back to one TodoList process',
    });
    await sleep(3_000);
    expect(await available(suite.client, BUNDLE)).toHaveLength(1);
    expect(fleet.running()).toHaveLength(1);
    await waitFor(async () => (await decisions('down')).every((d) => d.outcome === 'succeeded'), {
      what: 'drains confirmed',
    });
    const downs = await decisions('down');
    expect(downs.reduce((sum, d) => sum + d.count, 0)).toBe(2);
    for (const d of downs) {
      expect(d.reason).toMatch(/bored/);
      const detail = (await http(url(), 'GET', `/decisions/${d.decisionId}`)).body as {
        operations: Array<{ kind: string; state: string; instanceId: string }>;
      };
      expect(detail.operations).toEqual([expect.objectContaining({ kind: 'drain', state: 'done' })]);
      // The drained process said so and left on its own.
      expect(fleet.output(detail.operations[0].instanceId)).toContain('TodoList drained: exiting');
      expect(fleet.running()).not.toContain(detail.operations[0].instanceId);
    }
  });

  it('replaces a TodoList process killed below the minimum, without any signal', async () => {
    const [survivor] = await available(suite.client, BUNDLE);
    fleet.kill(survivor);
    await waitFor(
      async () => {
        const now = await available(suite.client, BUNDLE);
        return now.length === 1 && now[0] !== survivor;
      },
      { timeoutMs: 60_000, what: 'a replacement' },
    );
    expect(fleet.starts()).toHaveLength(4);
    expect(fleet.running()).toHaveLength(1);
    const [replacement] = await decisions('up');
    expect(replacement.reason).toBe('below min: 0 < 1');
  });
});
