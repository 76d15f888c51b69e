#!/usr/bin/env node
// Starts the Evento Server suite (or some of its apps) on this machine:
//
//   node scripts/start.mjs                     all five apps (npm start)
//   node scripts/start.mjs gateway registry    only these (npm run start:<app>)
//
// 1. checks that NATS and Postgres answer, and says how to start whichever does not;
// 2. runs `npm run build` when dist/ is missing or older than apps/ and libs/;
// 3. starts each app as `node dist/apps/<app>/src/main.js`, its output prefixed with its name;
// 4. waits until every app's /health/ready answers 200, then prints where each app is;
// 5. on Ctrl-C or SIGTERM stops every app and exits 0 if they all stopped cleanly.
//
// Environment: everything is passed to the apps (see docs/configuration.md).
// Besides that: <APP>_HTTP_PORT (e.g. EVENT_STORE_HTTP_PORT) sets one app's port; with a single
// app, HTTP_PORT works too. EVENTO_START_TIMEOUT_MS (default 90000) bounds the wait for readiness,
// EVENTO_STOP_TIMEOUT_MS (default 15000) the wait for a clean stop before SIGKILL.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { buildReason, entryOf, markBuilt } from './build-state.mjs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The suite's apps in start order, with their default HTTP ports. */
const APPS = {
  gateway: 3000,
  'event-store': 3001,
  registry: 3002,
  telemetry: 3003,
  scaler: 3004,
};

const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/evento';
const NATS_CONNECT_TIMEOUT_MS = 2_000;
const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 250;

const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const START_NATS =
  'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- ' +
  '-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = (text) => paint('1', text);
const red = (text) => paint('31', text);
const APP_COLORS = ['36', '35', '33', '32', '34'];

function say(message) {
  process.stdout.write(`${paint('2', 'evento')} ${message}\n`);
}

function complain(message) {
  process.stderr.write(`${red('evento')} ${message}\n`);
}

function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    complain(`${name} must be a positive whole number of milliseconds, not "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** The URL with any password replaced, safe to print. */
function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}

function describeError(error) {
  if (error && typeof error === 'object') {
    // Node reports a refused dual-stack connect as an AggregateError with an empty message.
    if (Array.isArray(error.errors) && error.errors.length) return describeError(error.errors[0]);
    if (error.code && error.message) {
      return error.message.includes(error.code) ? error.message : `${error.code}: ${error.message}`;
    }
    if (error.code) return String(error.code);
    if (error.message) return error.message;
  }
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

function parseArguments(argv) {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(
      `Usage: node scripts/start.mjs [app ...]\n\nApps: ${Object.keys(APPS).join(', ')} (default: all).\n` +
        'Each app listens on <APP>_HTTP_PORT (e.g. EVENT_STORE_HTTP_PORT) or its default port;\n' +
        'all other environment variables are passed to the apps.\n',
    );
    process.exit(0);
  }
  const unknown = argv.filter((name) => !(name in APPS));
  if (unknown.length) {
    complain(
      `unknown app ${unknown.map((name) => `"${name}"`).join(', ')}; the apps are ${Object.keys(APPS).join(', ')}`,
    );
    process.exit(2);
  }
  const requested = argv.length ? new Set(argv) : new Set(Object.keys(APPS));
  return Object.keys(APPS).filter((name) => requested.has(name));
}

// ---------------------------------------------------------------------------------------------
// 1. Dependencies
// ---------------------------------------------------------------------------------------------

function tcpCheck(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(error));
  });
}

const NATS_DEFAULT_PORTS = { 'nats:': 4222, 'tls:': 4222, 'ws:': 80, 'wss:': 443 };

/** NATS is usable when at least one of the servers in NATS_URL accepts a TCP connection. */
async function checkNats() {
  const raw = process.env.NATS_URL?.trim() || DEFAULT_NATS_URL;
  const servers = [];
  for (const entry of raw.split(',').map((part) => part.trim())) {
    let url;
    try {
      url = new URL(entry);
    } catch {
      return { problem: `NATS_URL contains "${redact(entry)}", which is not a URL (expected nats://host:port)` };
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port) || NATS_DEFAULT_PORTS[url.protocol] || 4222;
    servers.push({ address: `${url.hostname}:${port}`, shown: redact(entry), host, port });
  }
  const results = await Promise.all(servers.map((s) => tcpCheck(s.host, s.port, NATS_CONNECT_TIMEOUT_MS)));
  const down = servers.map((server, i) => ({ ...server, error: results[i] })).filter((server) => server.error);
  if (down.length === servers.length) {
    const listing = down.map((s) => `${s.shown} (${s.address}: ${describeError(s.error)})`).join(', ');
    const nonDefaultPort = down.some((s) => s.port !== 4222);
    return {
      problem:
        `NATS is not reachable at ${listing}.\n` +
        `  Start NATS (with JetStream) on this machine with:\n    ${START_NATS}\n` +
        (nonDefaultPort ? `  (that listens on 127.0.0.1:4222; set NATS_URL to match, or change -a/-p)\n` : '') +
        `  or with Docker: docker run -d --name evento-nats -p 127.0.0.1:4222:4222 nats:2.10-alpine -js\n` +
        `  (or run the whole suite in containers instead: docker compose up)`,
    };
  }
  for (const server of down) {
    say(`warning: NATS server ${server.shown} does not answer (${describeError(server.error)}); the others do`);
  }
  return { ok: servers.filter((_, i) => !results[i]).map((s) => s.shown) };
}

/** Postgres is usable when the server in DATABASE_URL accepts a login to its `postgres` database. */
async function checkPostgres() {
  const raw = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  let admin;
  try {
    admin = new URL(raw);
  } catch {
    return { problem: `DATABASE_URL is not a URL (expected postgres://user[:password]@host:port/database)` };
  }
  // The suite's database may not exist yet (the apps create it), so log in to `postgres`.
  admin.pathname = '/postgres';
  const address = `${admin.hostname || '127.0.0.1'}:${admin.port || 5432}`;
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    query_timeout: POSTGRES_CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: redact(raw) };
  } catch (error) {
    const refused = ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
      error?.code ?? error?.errors?.[0]?.code,
    );
    const timedOut = /timeout/i.test(describeError(error));
    const where = `${redact(raw)} (${address}, checked by logging in to database "postgres")`;
    if (!refused && !timedOut) {
      return {
        problem:
          `Postgres at ${where} answered but refused: ${describeError(error)}.\n` +
          `  Check the user and password in DATABASE_URL. If no Postgres runs on this machine, start it with:\n` +
          `    ${START_POSTGRES}`,
      };
    }
    return {
      problem:
        `Postgres is not reachable at ${where}: ${describeError(error)}.\n` +
        `  Start Postgres on this machine with:\n    ${START_POSTGRES}\n` +
        (address.endsWith(':5432') ? '' : `  (that listens on port 5432; set DATABASE_URL to match)\n`) +
        `  or with Docker: docker run -d --name evento-postgres -p 127.0.0.1:5432:5432 ` +
        `-e POSTGRES_HOST_AUTH_METHOD=trust postgres:16\n` +
        `  (or run the whole suite in containers instead: docker compose up)`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkDependencies() {
  const [nats, postgres] = await Promise.all([checkNats(), checkPostgres()]);
  const problems = [nats.problem, postgres.problem].filter(Boolean);
  if (problems.length) {
    for (const problem of problems) complain(problem);
    complain('not starting: the apps need both NATS and Postgres.');
    process.exit(1);
  }
  say(`NATS ${nats.ok.join(', ')} and Postgres ${postgres.ok} answer`);
}

// ---------------------------------------------------------------------------------------------
// 2. Build
// ---------------------------------------------------------------------------------------------

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    child.once('error', (error) => resolve({ code: 1, error }));
    child.once('exit', (code, signal) => resolve({ code: code ?? 1, signal }));
  });
}

async function buildIfNeeded(apps) {
  const reason = buildReason(apps);
  if (!reason) return;
  say(`building (${reason}): npm run build`);
  const started = Date.now();
  const result = await run('npm', ['run', 'build']);
  if (result.code !== 0) {
    complain(
      `npm run build failed (${result.error ? describeError(result.error) : result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`}); not starting.`,
    );
    process.exit(1);
  }
  for (const app of apps) {
    if (!existsSync(entryOf(app))) {
      complain(`npm run build succeeded but ${relative(ROOT, entryOf(app))} is missing; not starting.`);
      process.exit(1);
    }
  }
  markBuilt(started);
  say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// 3. Apps
// ---------------------------------------------------------------------------------------------

const portVariable = (app) => `${app.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_HTTP_PORT`;

function portOf(app, apps) {
  const own = process.env[portVariable(app)]?.trim();
  if (own) return own;
  const shared = process.env.HTTP_PORT?.trim();
  if (shared && apps.length === 1) return shared;
  return String(APPS[app]);
}

function baseUrlOf(port) {
  let host = process.env.HTTP_HOST?.trim() || '127.0.0.1';
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  if (host.includes(':')) host = `[${host}]`;
  return `http://${host}:${port}`;
}

const READY_LINE = /\bready at (https?:\/\/[^\s"'()]+)/;

function startApp(app, index, apps, labelWidth) {
  const port = portOf(app, apps);
  const label = paint(APP_COLORS[index % APP_COLORS.length], app.padEnd(labelWidth));
  const env = { ...process.env, HTTP_PORT: port };
  if (color && env.FORCE_COLOR === undefined) env.FORCE_COLOR = '1';
  const child = spawn(process.execPath, [entryOf(app)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = {
    app,
    child,
    port,
    url: Number(port) === 0 ? undefined : baseUrlOf(port),
    ready: false,
    exited: false,
    code: null,
    signal: null,
    lastAnswer: 'no answer yet',
  };
  const relay = (stream, out) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const url = READY_LINE.exec(line)?.[1];
        if (url && !state.url) state.url = url.replace(/\/+$/, '');
        out.write(`${label} │ ${line.replace(/\r$/, '')}\n`);
      }
    });
    stream.on('end', () => {
      if (pending) out.write(`${label} │ ${pending}\n`);
      pending = '';
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  state.done = new Promise((resolve) => {
    child.once('error', (error) => {
      complain(`${app} could not be started: ${describeError(error)}`);
      if (!state.exited) {
        state.exited = true;
        state.code = 1;
        resolve(state);
      }
    });
    child.once('exit', (code, signal) => {
      if (state.exited) return;
      state.exited = true;
      state.code = code;
      state.signal = signal;
      resolve(state);
    });
  });
  return state;
}

const describeExit = (state) => (state.signal ? `was killed by ${state.signal}` : `exited with code ${state.code}`);

async function probe(state) {
  if (!state.url) return false;
  try {
    const response = await fetch(`${state.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    const body = await response.text();
    state.lastAnswer = `${response.status} ${body.slice(0, 300)}`;
    return response.status === 200;
  } catch (error) {
    state.lastAnswer = describeError(error.cause ?? error);
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Readiness, 5. shutdown
// ---------------------------------------------------------------------------------------------

async function main() {
  const apps = parseArguments(process.argv.slice(2));
  const startTimeoutMs = envInt('EVENTO_START_TIMEOUT_MS', 90_000);
  const stopTimeoutMs = envInt('EVENTO_STOP_TIMEOUT_MS', 15_000);

  await checkDependencies();
  await buildIfNeeded(apps);

  const labelWidth = Math.max(...apps.map((app) => app.length));
  say(`starting ${apps.join(', ')}`);
  const states = apps.map((app, index) => startApp(app, index, apps, labelWidth));

  let phase = 'starting'; // starting → running → stopping
  let stopping;
  const stopAll = (exitCodeIfClean) => {
    if (stopping) return stopping;
    phase = 'stopping';
    stopping = (async () => {
      const alive = states.filter((s) => !s.exited);
      for (const state of alive) state.child.kill('SIGTERM');
      const force = setTimeout(() => {
        for (const state of states.filter((s) => !s.exited)) {
          complain(`${state.app} did not stop within ${stopTimeoutMs} ms; killing it`);
          state.child.kill('SIGKILL');
        }
      }, stopTimeoutMs);
      await Promise.all(states.map((s) => s.done));
      clearTimeout(force);
      const unclean = alive.filter((s) => s.code !== 0);
      for (const state of unclean) complain(`${state.app} ${describeExit(state)} while stopping`);
      const code = exitCodeIfClean === 0 && unclean.length === 0 ? 0 : 1;
      say(code === 0 ? 'all apps stopped cleanly' : 'stopped');
      process.exit(code);
    })();
    return stopping;
  };

  let signals = 0;
  const onSignal = (signal) => {
    signals += 1;
    if (signals > 1) {
      complain(`${signal} again: killing the apps`);
      for (const state of states.filter((s) => !s.exited)) state.child.kill('SIGKILL');
      return;
    }
    say(
      `${signal} received: stopping ${
        states
          .filter((s) => !s.exited)
          .map((s) => s.app)
          .join(', ') || 'nothing'
      }`,
    );
    void stopAll(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

  // An app that exits on its own is a failure whenever it happens, before or after readiness.
  for (const state of states) {
    void state.done.then(() => {
      if (phase === 'stopping') return;
      complain(
        phase === 'starting'
          ? `${state.app} ${describeExit(state)} before it was ready (see its output above)`
          : `${state.app} ${describeExit(state)} unexpectedly; stopping the others`,
      );
      void stopAll(1);
    });
  }

  const deadline = Date.now() + startTimeoutMs;
  while (phase === 'starting') {
    const waiting = states.filter((s) => !s.ready);
    if (!waiting.length) break;
    if (Date.now() > deadline) {
      for (const state of waiting) {
        complain(
          `${state.app} was not ready within ${startTimeoutMs} ms (${state.url ?? 'no URL yet'}/health/ready: ${state.lastAnswer})`,
        );
      }
      complain('stopping the others (EVENTO_START_TIMEOUT_MS sets the wait)');
      void stopAll(1);
      return;
    }
    await Promise.all(
      waiting.map(async (state) => {
        if (await probe(state)) state.ready = true;
      }),
    );
    if (states.every((s) => s.ready)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  if (phase !== 'starting') return;
  phase = 'running';

  const rows = [
    ['app', 'URL', 'docs', 'health'],
    ...states.map((s) => [s.app, s.url, `${s.url}/docs`, `${s.url}/health/ready`]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const format = (row) => `  ${row.map((cell, column) => cell.padEnd(widths[column])).join('   ')}`.trimEnd();
  process.stdout.write(
    `\n${bold(`Evento Server ready: ${states.length} app${states.length === 1 ? '' : 's'}`)}\n\n` +
      `${bold(format(rows[0]))}\n${rows.slice(1).map(format).join('\n')}\n\nPress Ctrl-C to stop.\n\n`,
  );
}

main().catch((error) => {
  complain(`start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
