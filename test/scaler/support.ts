import { type ListedInstance, RegistryContracts, ScalerContracts, type ScalingDecisionNotice } from '@evento/contracts';
import type { ContractClient } from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl } from '@evento/testing';
import { ContractClient as Client } from '@evento/platform';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../support/apps';

export const FIXTURES = join(__dirname, 'fixtures');
export const BUNDLE_TOKEN = 'scaler-test-bundle-token-0123456789';

/** Registry settings that notice a dead instance within about two seconds. */
export const REGISTRY_ENV = {
  HEARTBEAT_INTERVAL_MS: '300',
  INSTANCE_LEASE_MS: '1500',
  LEASE_SWEEP_MS: '200',
  BUNDLE_TOKEN,
  // The Postgres server is shared with other suites: a few connections per app are plenty here.
  DATABASE_POOL_SIZE: '3',
};

/** Deploy scripts in a directory of their own, as DEPLOY_SCRIPT_DIR wants them. */
export function scriptDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evento-scripts-'));
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  write('start-todo.sh', `exec "${process.execPath}" "${join(FIXTURES, 'start-instances.mjs')}"`);
  write('failing.sh', 'echo "cannot reach the docker daemon"; echo "details on stderr" >&2; exit 3');
  write('hanging.sh', 'echo "waiting forever"; exec sleep 600');
  writeFileSync(join(dir, 'not-executable.sh'), '#!/bin/sh\nexit 0\n');
  return dir;
}

export interface ScalerSuite {
  readonly url: string;
  readonly scriptDir: string;
  readonly registry: RunningApp;
  readonly scalers: RunningApp[];
  readonly nc: NatsConnection;
  readonly client: ContractClient;
  startScaler(env?: Record<string, string>): Promise<RunningApp>;
}

/** A registry and `scalers` scaler replicas on one fresh database, torn down after the block. */
export function useScalerSuite(
  label: string,
  options: { scalers?: number; scalerEnv?: Record<string, string> } = {},
): ScalerSuite {
  const url = freshDatabaseUrl(label);
  const scriptDir = scriptDirectory();
  const scalers: RunningApp[] = [];
  let registry: RunningApp | undefined;
  let nc: NatsConnection | undefined;
  let client: ContractClient | undefined;
  const scalerEnv = () => ({
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '3',
    SCALER_TICK_MS: '300',
    SCALER_LEADER_POLL_MS: '300',
    SCALER_SIGNAL_WINDOW_MS: '1500',
    DEPLOY_SCRIPT_DIR: scriptDir,
    DEPLOY_SCRIPT_TIMEOUT_MS: '5000',
    ACTUATOR_RETRY_BASE_MS: '500',
    ACTUATOR_RETRY_MAX_MS: '4000',
    BUNDLE_TOKEN,
    ...options.scalerEnv,
  });
  const suite: ScalerSuite = {
    url,
    scriptDir,
    get registry() {
      return registry!;
    },
    scalers,
    get nc() {
      return nc!;
    },
    get client() {
      return client!;
    },
    async startScaler(env = {}) {
      const scaler = await startApp('scaler', { ...scalerEnv(), ...env });
      scalers.push(scaler);
      return scaler;
    },
  };
  beforeAll(async () => {
    nc = await connectTestNats();
    client = new Client(() => nc!);
    registry = await startApp('registry', { DATABASE_URL: url, ...REGISTRY_ENV });
    for (let i = 0; i < (options.scalers ?? 1); i += 1) await suite.startScaler();
  });
  afterAll(async () => {
    await Promise.all(scalers.map((scaler) => scaler.app.close().catch(() => undefined)));
    await registry?.app.close();
    await nc?.drain();
    await dropDatabase(url);
    rmSync(scriptDir, { recursive: true, force: true });
  });
  return suite;
}

/** The simulated instances a deploy script starts: pid files, a log of starts, the mood they are in. */
export class SimFleet {
  readonly dir = mkdtempSync(join(tmpdir(), 'evento-sim-'));
  readonly pidDir = join(this.dir, 'pids');
  readonly startsLog = join(this.dir, 'starts.log');
  readonly tokensLog = join(this.dir, 'tokens.log');

  /** Environment a policy hands to the instances its script starts. */
  environment(extra: Record<string, string> = {}): Record<string, string> {
    return {
      SIM_PID_DIR: this.pidDir,
      SIM_STARTS_LOG: this.startsLog,
      SIM_TOKENS_LOG: this.tokensLog,
      SIM_SIGNAL_INTERVAL_MS: '150',
      ...extra,
    };
  }

  /** The credential the deploy script handed each instance it started. */
  tokens(): Map<string, string> {
    if (!existsSync(this.tokensLog)) return new Map();
    const lines = readFileSync(this.tokensLog, 'utf8').split('\n').filter(Boolean);
    return new Map(lines.map((line) => line.split(' ') as [string, string]));
  }

  /** Every instance the script ever started (instance id, pid). */
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

  /** Instances whose process runs (they remove their pid file when they exit cleanly). */
  running(): string[] {
    if (!existsSync(this.pidDir)) return [];
    return readdirSync(this.pidDir)
      .map((file) => file.replace(/\.pid$/, ''))
      .filter((instanceId) => {
        const pid = this.starts().find((s) => s.instanceId === instanceId)?.pid;
        return pid !== undefined && alive(pid);
      });
  }

  kill(instanceId: string): void {
    const pid = this.starts().find((s) => s.instanceId === instanceId)?.pid;
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(join(this.pidDir, `${instanceId}.pid`), { force: true });
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

export function setMood(nc: NatsConnection, bundleId: string, mood: 'suffering' | 'bored' | 'quiet'): void {
  nc.publish(`sim.${bundleId}.mood`, mood);
}

export async function liveInstances(client: ContractClient, bundleId: string): Promise<ListedInstance[]> {
  const reply = await client.request(RegistryContracts.listInstances, { bundleId });
  return reply.instances;
}

export async function available(client: ContractClient, bundleId: string): Promise<string[]> {
  return (await liveInstances(client, bundleId)).filter((i) => i.status === 'available').map((i) => i.instanceId);
}

/** A JSON response as tests read it: each test asserts the shape it expects. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: JsonBody }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Collects the scaler's decision notices. */
export class DecisionNotices {
  readonly received: ScalingDecisionNotice[] = [];
  private readonly subscription: Subscription;

  constructor(nc: NatsConnection) {
    this.subscription = nc.subscribe(ScalerContracts.decisions.subject, {
      callback: (error, msg) => {
        if (!error) this.received.push(msg.json<ScalingDecisionNotice>());
      },
    });
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
