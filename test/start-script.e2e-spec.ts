import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { dropDatabase, freshDatabaseUrl, TEST_SUBJECT_PREFIX } from '@evento/testing';

/**
 * `npm start` (scripts/start.mjs) end to end: it refuses to start without NATS or Postgres and
 * says how to start them; with both it builds, starts all five apps, waits for readiness,
 * prints where they are and stops them cleanly on Ctrl-C.
 */

const ROOT = join(__dirname, '..');
const SCRIPT = join(ROOT, 'scripts', 'start.mjs');

const PORTS = {
  gateway: 3100,
  'event-store': 3101,
  registry: 3102,
  telemetry: 3103,
  scaler: 3104,
} as const;

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Script processes still running, with the promise of their end. */
const running = new Map<ChildProcess, Promise<unknown>>();

/** The environment a developer would have, minus anything that would steer the script elsewhere. */
function baseEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name === 'HTTP_PORT' || name.endsWith('_HTTP_PORT') || name.startsWith('EVENTO_')) delete env[name];
  }
  for (const name of ['OPERATOR_TOKEN', 'DOCS_PUBLIC', 'HTTP_HOST', 'FORCE_COLOR']) delete env[name];
  // Its own subject prefix: the suite it starts must not answer a suite a developer has running.
  return { ...env, NODE_ENV: 'test', NO_COLOR: '1', NATS_SUBJECT_PREFIX: TEST_SUBJECT_PREFIX, ...overrides };
}

function runScript(env: NodeJS.ProcessEnv, args: string[] = []): Run {
  // Its own process group, so afterAll can kill the script and every app it started at once.
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  running.set(child, exit);
  return { child, output: () => output, exit };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitForOutput(run: Run, pattern: RegExp, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void run.exit.then(() => (exited = true));
  while (!pattern.test(run.output())) {
    if (exited) throw new Error(`start.mjs exited before printing ${pattern}:\n${run.output().slice(-8000)}`);
    if (Date.now() > deadline) {
      throw new Error(`start.mjs did not print ${pattern} within ${ms} ms:\n${run.output().slice(-8000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function killGroup(child: ChildProcess): void {
  // Even when the script itself has exited, apps it started may still hold the group (and its pipes).
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills every script still running, and the apps it started, then waits for them to end. */
async function killAll(): Promise<void> {
  const left = [...running];
  for (const [child] of left) killGroup(child);
  await Promise.all(left.map(([, exit]) => exit));
}

afterAll(killAll);

describe('scripts/start.mjs', () => {
  describe('refuses to start without its dependencies', () => {
    it('names NATS, its address and how to start it when NATS does not answer', async () => {
      const run = runScript(baseEnv({ NATS_URL: 'nats://127.0.0.1:1' }));
      const { code } = await within(run.exit, 30_000, 'start.mjs exiting');
      const output = run.output();

      expect(code).not.toBe(0);
      expect(output).toContain('NATS is not reachable');
      expect(output).toContain('127.0.0.1:1');
      expect(output).toContain(
        'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js',
      );
      expect(output).toContain('docker compose');
      expect(output).not.toContain('Postgres is not reachable');
      expect(output).not.toMatch(/evento (building|starting )/);
    });

    it('names Postgres, its address (password hidden) and how to start it when Postgres does not answer', async () => {
      const run = runScript(baseEnv({ DATABASE_URL: 'postgres://postgres:hunter2-secret@127.0.0.1:1/evento' }));
      const { code } = await within(run.exit, 30_000, 'start.mjs exiting');
      const output = run.output();

      expect(code).not.toBe(0);
      expect(output).toContain('Postgres is not reachable');
      expect(output).toContain('127.0.0.1:1');
      expect(output).toContain('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start');
      expect(output).not.toContain('hunter2-secret');
      expect(output).not.toContain('NATS is not reachable');
      expect(output).not.toMatch(/evento (building|starting )/);
    });

    it('rejects an unknown app name', async () => {
      const run = runScript(baseEnv({}), ['gateway', 'no-such-app']);
      const { code } = await within(run.exit, 30_000, 'start.mjs exiting');

      expect(code).not.toBe(0);
      expect(run.output()).toContain('unknown app "no-such-app"');
    });
  });

  describe('with NATS and Postgres', () => {
    const databaseUrl = freshDatabaseUrl('start');

    afterAll(async () => {
      await killAll();
      await dropDatabase(databaseUrl);
    });

    it('builds, starts all five apps, serves health and docs, and stops cleanly on SIGINT', async () => {
      const run = runScript(
        baseEnv({
          DATABASE_URL: databaseUrl,
          LOG_FORMAT: 'json',
          GATEWAY_HTTP_PORT: String(PORTS.gateway),
          EVENT_STORE_HTTP_PORT: String(PORTS['event-store']),
          REGISTRY_HTTP_PORT: String(PORTS.registry),
          TELEMETRY_HTTP_PORT: String(PORTS.telemetry),
          SCALER_HTTP_PORT: String(PORTS.scaler),
        }),
      );

      // Building may come first (~10 s), then the readiness wait (90 s at most).
      await waitForOutput(run, /Press Ctrl-C to stop/, 150_000);
      const output = run.output();
      expect(output).toContain('Evento Server ready: 5 apps');
      for (const [app, port] of Object.entries(PORTS)) {
        const base = `http://127.0.0.1:${port}`;
        // One table row per app: name, URL, docs, health.
        expect(output).toMatch(new RegExp(`^\\s+${app}\\s+${base}\\s+${base}/docs\\s+${base}/health/ready\\s*$`, 'm'));
        // Each app's JSON log lines come out prefixed with its name.
        expect(output).toMatch(new RegExp(`^${app}\\s*│ \\{"level"`, 'm'));
      }

      for (const [app, port] of Object.entries(PORTS)) {
        const base = `http://127.0.0.1:${port}`;

        const ready = await fetch(`${base}/health/ready`);
        expect({ app, status: ready.status }).toEqual({ app, status: 200 });

        const docs = await fetch(`${base}/docs`);
        expect({ app, status: docs.status }).toEqual({ app, status: 200 });
        expect(docs.headers.get('content-type')).toContain('text/html');
        expect(await docs.text()).toContain('swagger-ui');

        const json = await fetch(`${base}/docs-json`);
        expect({ app, status: json.status }).toEqual({ app, status: 200 });
        const document = (await json.json()) as { openapi?: unknown };
        expect(typeof document.openapi).toBe('string');
      }

      process.kill(run.child.pid!, 'SIGINT');
      const { code, signal } = await within(run.exit, 30_000, 'start.mjs stopping after SIGINT');
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(run.output()).toContain('all apps stopped cleanly');

      // Nothing is left listening.
      for (const port of Object.values(PORTS)) {
        await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
      }
    }, 180_000);
  });
});
