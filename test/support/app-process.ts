import { APP_NAMES, type AppName, SystemContracts } from '@evento/contracts';
import type { ContractClient } from '@evento/platform';
import { TEST_SUBJECT_PREFIX, waitFor } from '@evento/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export function entryOf(app: AppName): string {
  return join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

const isBuiltSource = (name: string) => (name.endsWith('.ts') && !name.endsWith('.spec.ts')) || name.endsWith('.sql');

/** Sources compiled into dist whose output is missing or older than them. */
function staleSources(): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (isBuiltSource(entry.name)) {
        // TypeScript compiles to .js; SQL files ship as they are (nest-cli.json assets).
        const built = join(ROOT, 'dist', relative(ROOT, path)).replace(/\.ts$/, '.js');
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) stale.push(relative(ROOT, path));
      }
    }
  };
  const dirs = [...APP_NAMES.map((app) => `apps/${app}/src`), 'libs/contracts/src', 'libs/platform/src'];
  for (const dir of dirs) if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return stale;
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Builds the apps when their compiled output is stale, so tests can run them as real processes. */
export async function ensureBuilt(app: AppName): Promise<void> {
  if (staleSources().length > 0) {
    const build = await run('npm', ['run', 'build']);
    if (build.code !== 0) throw new Error(`npm run build failed:\n${build.output}`);
  }
  if (!existsSync(entryOf(app))) throw new Error(`${entryOf(app)} is missing after the build`);
}

/** An app running as its own process (so a test can SIGKILL it), on the test's subject prefix. */
export class AppProcess {
  output = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<unknown>;

  constructor(
    readonly app: AppName,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [entryOf(app)], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        NATS_SUBJECT_PREFIX: TEST_SUBJECT_PREFIX,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('close', resolve));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.app} did not start`);
    return this.child.pid;
  }

  get signal(): NodeJS.Signals | null {
    return this.child.signalCode;
  }

  /** Waits until an app of this kind answers pings (any replica on the prefix may answer). */
  async ready(client: ContractClient, instanceId: string): Promise<void> {
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`${this.app} exited early:\n${this.output}`);
        try {
          const pong = await client.request(SystemContracts.ping[this.app], {}, { timeoutMs: 500 });
          return pong.instanceId === instanceId;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `the ${this.app} process to answer pings` },
    );
  }

  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** SIGTERM: the app's graceful shutdown. Resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    await this.exited;
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
