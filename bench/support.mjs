// Helpers for the benchmarks in bench/: child processes, build check, NATS requests, statistics,
// tables. Nothing here measures anything by itself.

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { buildReason, entryOf, markBuilt } from '../scripts/build-state.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const now = () => performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Progress goes to stderr, so stdout holds only the results. */
export function progress(message) {
  process.stderr.write(`bench ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Cleanup that runs on success, on failure and on Ctrl-C
// ---------------------------------------------------------------------------------------------

const cleanups = [];
const children = new Set();

/** Registers an async cleanup step; steps run last-registered first. */
export function onCleanup(step) {
  cleanups.push(step);
}

export async function runCleanups() {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    try {
      await step();
    } catch (error) {
      progress(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// Last resort if the process dies without running the cleanups: no orphaned children.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * Runs a bench's `main`: cleanups run on success, on failure and on the first Ctrl-C (a second
 * one exits at once); a failure prints its stack and sets exit code 1.
 */
export async function runMain(main) {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      progress(`${signal}: stopping the children and dropping the databases`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  try {
    await main();
    await runCleanups();
  } catch (error) {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await runCleanups();
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Command-line options
// ---------------------------------------------------------------------------------------------

/**
 * Parses `--name[=value]` flags, refusing unknown ones; prints `usage` and exits on --help.
 * Returns the flags and typed readers for them.
 */
export function parseFlags(argv, known, usage) {
  const flags = new Map();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument "${arg}"\n\n${usage}`);
    flags.set(match[1], match[2] ?? true);
  }
  if (flags.has('help')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n\n${usage}`);
  const number = (name, fallback, { min = 0, integer = false } = {}) => {
    if (!flags.has(name)) return fallback;
    const value = Number(flags.get(name));
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new Error(`--${name} must be a${integer ? ' whole' : ''} number >= ${min}, not "${flags.get(name)}"`);
    }
    return value;
  };
  const list = (name, fallback) => (flags.has(name) ? String(flags.get(name)).split(',').filter(Boolean) : fallback);
  /** --nats: null (private server), or the URL given (bare --nats: NATS_URL or the default). */
  const natsUrl = () => {
    const nats = flags.get('nats');
    return nats === undefined ? null : nats === true ? process.env.NATS_URL || 'nats://127.0.0.1:4222' : nats;
  };
  return { flags, number, list, natsUrl };
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

/**
 * Starts a child process whose output is kept (last `keepLines` lines) to show if it fails.
 * `stop()` sends SIGTERM, then SIGKILL after `graceMs`.
 */
export function startChild(name, command, args, env, keepLines = 200) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  running.set(name, child.pid);
  const lines = [];
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > keepLines) lines.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      children.delete(child);
      lines.push(`spawn failed: ${error.message}`);
      resolve({ code: null, signal: null, error });
    });
  });
  return {
    name,
    pid: child.pid,
    exited,
    get running() {
      return child.exitCode === null && child.signalCode === null && children.has(child);
    },
    output: () => lines.join('\n'),
    async stop(graceMs = 10_000) {
      if (!children.has(child)) return exited;
      recordPeak(name, child.pid);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Memory: the peak resident set of each child (Linux VmHWM; absent elsewhere)
// ---------------------------------------------------------------------------------------------

const peaks = new Map();
const running = new Map();

/** The process's peak resident memory so far, in bytes (null where /proc is missing). */
export function peakRssBytes(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function recordPeak(name, pid) {
  const bytes = peakRssBytes(pid);
  if (bytes !== null) peaks.set(name, Math.max(peaks.get(name) ?? 0, bytes));
  running.delete(name);
}

/** Peak resident memory (bytes) of every child started so far, by name: stopped ones and running ones. */
export function peakMemory() {
  const all = new Map(peaks);
  for (const [name, pid] of running) {
    const bytes = peakRssBytes(pid);
    if (bytes !== null) all.set(name, Math.max(all.get(name) ?? 0, bytes));
  }
  return Object.fromEntries([...all].sort(([a], [b]) => a.localeCompare(b)));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function run(command, args) {
  return new Promise((resolve) => {
    // The build's output goes to stderr like the rest of the progress.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', (error) => resolve({ code: 1, error }));
    child.once('exit', (code, signal) => resolve({ code: code ?? 1, signal }));
  });
}

// ---------------------------------------------------------------------------------------------
// Build check (the same rule as scripts/start.mjs)
// ---------------------------------------------------------------------------------------------

export { entryOf };

/** Runs `npm run build` when the app's entry point is missing or older than a source file. */
export async function buildIfNeeded(app) {
  const entry = entryOf(app);
  const reason = buildReason([app]);
  if (!reason) return false;
  progress(`building (${reason}): npm run build`);
  const started = Date.now();
  const result = await run('npm', ['run', 'build']);
  if (result.code !== 0 || !existsSync(entry)) {
    throw new Error(`npm run build failed (${result.signal ?? `exit code ${result.code}`})`);
  }
  markBuilt(started);
  progress(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Databases: each app and each run gets a fresh one, dropped at the end
// ---------------------------------------------------------------------------------------------

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function freshDatabaseUrl() {
  const url = new URL(ADMIN_URL);
  url.pathname = `/evento_bench_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

export async function dropDatabase(admin, url) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name.startsWith('evento_bench_')) throw new Error(`refusing to drop ${name}`);
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** The raw baselines' table: the events table's shape, indexes and constraints, its own sequence. */
export async function createRawTable(db) {
  await db.query('DROP TABLE IF EXISTS public.bench_raw');
  await db.query('CREATE TABLE public.bench_raw (LIKE event_store.events INCLUDING ALL)');
  await db.query('CREATE SEQUENCE public.bench_raw_position_seq AS bigint OWNED BY public.bench_raw.position');
  await db.query(
    `ALTER TABLE public.bench_raw ALTER COLUMN position SET DEFAULT nextval('public.bench_raw_position_seq')`,
  );
}

/**
 * A `pg` Pool of `size` connections, all open before it is returned, so no connect time falls
 * into a measured window. Postgres is shared (max_connections counts other users' connections
 * too): when some connections are refused, the ones that opened are released and the whole set
 * is tried again until `waitMs`, then the pool is closed and the error thrown. Errors of idle
 * or checked-out connections (a database dropped by Ctrl-C's cleanup) are ignored.
 */
export async function openPool(pg, connectionString, size, waitMs = 60_000) {
  const pool = new pg.Pool({ connectionString, max: size });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    const settled = await Promise.allSettled(Array.from({ length: size }, () => pool.connect()));
    for (const result of settled) if (result.status === 'fulfilled') result.value.release();
    const failed = settled.find((result) => result.status === 'rejected');
    if (!failed) return pool;
    if (Date.now() > deadline) {
      await pool.end();
      throw new Error(`could not open ${size} Postgres connections in ${waitMs / 1000} s: ${failed.reason?.message}`);
    }
    if (attempt === 1) progress(`waiting for ${size} Postgres connections: ${failed.reason?.message}`);
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------
// NATS: a private server, connections, pings
// ---------------------------------------------------------------------------------------------

function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  return null;
}

export async function connectNats(url, name, timeoutMs = 3000) {
  return connect({ servers: url, name, timeout: timeoutMs, maxReconnectAttempts: 5 });
}

/** A nats-server of our own on a free port, so no foreign traffic shares the suite's subjects. */
export async function startPrivateNats() {
  const binary = findNatsServer();
  if (!binary) return null;
  const port = await freePort();
  const child = startChild('nats-server', binary, ['-a', '127.0.0.1', '-p', String(port)], process.env);
  onCleanup(() => child.stop(5000));
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connectNats(url, 'evento-bench-probe', 500);
      await nc.close();
      return { url, pid: child.pid };
    } catch (error) {
      if (!child.running || Date.now() > deadline) {
        throw new Error(`nats-server did not start: ${error.message}\n${child.output()}`, { cause: error });
      }
      await sleep(100);
    }
  }
}

/**
 * The NATS server the bench uses: `natsUrl` (shared) when given, else a private one, else the
 * shared default when no nats-server binary is installed.
 */
export async function benchNats(natsUrl) {
  if (natsUrl) return { url: natsUrl, pid: undefined, info: `${natsUrl}, shared` };
  const own = await startPrivateNats();
  if (own) return { url: own.url, pid: own.pid, info: `${own.url}, private server started for the bench` };
  const url = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  return { url, pid: undefined, info: `${url}, shared: no nats-server binary found for a private one` };
}

/** The app's ping reply (`evento.v1.<app>.system.ping`), or null when none came in time. */
export async function pingApp(nc, app, timeoutMs) {
  try {
    return (await request(nc, `evento.v1.${app}.system.ping`, {}, timeoutMs)).data;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The suite's apps, built, as child processes
// ---------------------------------------------------------------------------------------------

/**
 * Starts a built app (`node dist/apps/<app>/src/main.js`) on `databaseUrl` and `natsUrl`, quiet
 * (LOG_LEVEL=warn), on the documented subjects (no NATS_SUBJECT_PREFIX), and waits until its
 * ping answers from this instance. Refuses to start when another instance of the app already
 * answers on that NATS: its replies would mix into the figures. `env` adds to or overrides the
 * environment; BENCH_APP_NODE_ARGS adds node options (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
export async function startApp(app, { label = app, databaseUrl, natsUrl, nc, instanceId, env: extra = {} }) {
  const foreign = await pingApp(nc, app, 500);
  if (foreign) {
    throw new Error(
      `another ${app} (instance ${foreign.instanceId}) already answers on ${natsUrl}: its replies would ` +
        'mix into the figures. Stop it, or run without --nats to use a private nats-server.',
    );
  }
  const id = instanceId ?? `bench-${app}-${randomBytes(3).toString('hex')}`;
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    INSTANCE_ID: id,
    ...extra,
  };
  // The bench uses the documented subjects.
  delete env.NATS_SUBJECT_PREFIX;
  const started = Date.now();
  const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = startChild(label, process.execPath, [...nodeArgs, entryOf(app)], env);
  onCleanup(() => child.stop());
  for (;;) {
    const pong = await pingApp(nc, app, 1000);
    if (pong?.instanceId === id) {
      progress(`${label} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid})`);
      return { child, instanceId: id, version: pong.version };
    }
    if (pong) throw new Error(`a foreign ${app} (${pong.instanceId}) answered on ${natsUrl}`);
    if (!child.running) throw new Error(`${label} exited during boot:\n${child.output()}`);
    if (Date.now() - started > 60_000) throw new Error(`${label} not ready in 60 s:\n${child.output()}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// NATS requests in the wire format of docs/protocol.md
// ---------------------------------------------------------------------------------------------

export class EventoRequestError extends Error {
  constructor(code, message, details) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = details;
  }
}

/** A plain-client request: JSON body, the headers ContractClient sends, `{data}|{error}` reply. */
export async function request(nc, subject, body, timeoutMs = 10_000) {
  const h = natsHeaders();
  h.set('evento-request-id', randomUUID());
  h.set('evento-correlation-id', randomUUID());
  h.set('evento-deadline', String(Date.now() + timeoutMs));
  const msg = await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs, headers: h });
  const reply = JSON.parse(msg.string());
  if (reply.error) throw new EventoRequestError(reply.error.code, reply.error.message, reply.error.details);
  return { data: reply.data, bytes: msg.data.length };
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; null elsewhere)
// ---------------------------------------------------------------------------------------------

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine. */
export function machineCpu() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = values[3] + (values[4] ?? 0);
    const total = values.reduce((sum, v) => sum + v, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Postgres processes serving `database` plus the server's own (WAL writer, checkpointer...). */
function postgresPids(database) {
  const pids = [];
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return pids;
  }
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      // "postgres: 15/main: <user> <database> <host> <state>" for a backend, "postgres: 15/main: walwriter" else.
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const words = title.split(/\s+/);
      const isBackend = words.length >= 5 && /\(\d+\)$|^\[local\]$/.test(words[4] ?? '');
      if (!isBackend || words[3] === database) pids.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function cpuOf(pids) {
  const map = new Map();
  for (const pid of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== null) map.set(pid, seconds);
  }
  return map;
}

/**
 * Starts a CPU meter over the bench process, the given child processes and Postgres (processes of
 * `database` and the server's auxiliary ones). `stop()` gives CPU seconds per component, the
 * window's seconds and the machine's busy %.
 */
export function cpuMeter({ children = {}, database } = {}) {
  const started = now();
  const self = process.cpuUsage();
  const childStart = Object.fromEntries(Object.entries(children).map(([name, pid]) => [name, processCpuSeconds(pid)]));
  const pgStart = database ? cpuOf(postgresPids(database)) : new Map();
  const machine = machineCpu();
  return () => {
    const seconds = (now() - started) / 1000;
    const selfUsed = process.cpuUsage(self);
    const cpu = { client: (selfUsed.user + selfUsed.system) / 1e6 };
    for (const [name, pid] of Object.entries(children)) {
      const end = processCpuSeconds(pid);
      cpu[name] = end !== null && childStart[name] !== null ? end - childStart[name] : null;
    }
    if (database) {
      const pgEnd = cpuOf(postgresPids(database));
      let used = 0;
      for (const [pid, end] of pgEnd) used += end - (pgStart.get(pid) ?? 0);
      cpu.postgres = used;
    }
    const machineEnd = machineCpu();
    return {
      seconds,
      cpu,
      machineBusyPct:
        machine && machineEnd && machineEnd.total > machine.total
          ? round((100 * (machineEnd.busy - machine.busy)) / (machineEnd.total - machine.total), 0)
          : null,
    };
  };
}

/** The machine's busy % over `ms` (null where /proc/stat is missing). */
export async function machineBusyOver(ms) {
  const start = machineCpu();
  await sleep(ms);
  const end = machineCpu();
  return start && end && end.total > start.total
    ? round((100 * (end.busy - start.busy)) / (end.total - start.total), 0)
    : null;
}

// ---------------------------------------------------------------------------------------------
// Closed-loop load
// ---------------------------------------------------------------------------------------------

/**
 * Runs `workers` loops of `op` (made by `makeOp(i)`) for warm-up + duration; counts the
 * operations that complete inside the measured window, with their latencies. `meter` (the
 * arguments of cpuMeter) is read over the measured window. `window` holds the window's bounds
 * on the `now()` clock, for callers that record more per operation.
 */
export async function closedLoop({ workers, warmupMs, durationMs, makeOp, meter, keepLatencies = false }) {
  const ops = [];
  for (let i = 0; i < workers; i++) ops.push(await makeOp(i));
  const latencies = [];
  let errors = 0;
  let firstError;
  let stopMeter;
  const start = now();
  const windowStart = start + warmupMs;
  const windowEnd = windowStart + durationMs;
  const meterTimer = setTimeout(() => (stopMeter = cpuMeter(meter)), warmupMs);
  await Promise.all(
    ops.map(async (op) => {
      while (now() < windowEnd) {
        const sent = now();
        try {
          await op();
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
          await sleep(10);
          continue;
        }
        const done = now();
        if (done >= windowStart && done <= windowEnd) latencies.push(done - sent);
      }
    }),
  );
  clearTimeout(meterTimer);
  const used = stopMeter?.();
  // CPU per operation (microseconds) of each process involved, and the app's share of one core.
  const cpuMicrosPerOp = {};
  for (const [name, seconds] of Object.entries(used?.cpu ?? {})) {
    cpuMicrosPerOp[name] =
      seconds === null || latencies.length === 0 ? null : round((seconds * 1e6) / latencies.length, 0);
  }
  return {
    opsPerSec: round(latencies.length / (durationMs / 1000), 0),
    ...summarize(latencies),
    errors,
    ...(firstError ? { firstError } : {}),
    appCpuPct: typeof used?.cpu.app === 'number' ? round((100 * used.cpu.app) / used.seconds, 0) : null,
    machineBusyPct: used?.machineBusyPct ?? null,
    cpuSeconds: used ? Object.fromEntries(Object.entries(used.cpu).map(([name, s]) => [name, round(s, 2)])) : {},
    cpuMicrosPerOp,
    window: { start: windowStart, end: windowEnd },
    ...(keepLatencies ? { latencies, cpuUsed: used ?? null, durationMs } : {}),
  };
}

/**
 * Closed loops of several contenders (e.g. raw inserts and the store), measured in turns:
 * `rounds` slices of durationMs / rounds each, contender after contender, so a machine that
 * drifts faster or slower during the run weighs on all of them alike instead of on whichever
 * ran during the slow seconds. Each contender keeps its operations across slices (`ops[i]` is
 * worker i's operation). Returns one result per contender, merged over its slices, shaped like
 * closedLoop's.
 */
export async function interleavedLoops({ contenders, workers, warmupMs, durationMs, rounds }) {
  const slices = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [c, contender] of contenders.entries()) {
      slices[c].push(
        await closedLoop({
          workers,
          warmupMs,
          durationMs: durationMs / rounds,
          makeOp: (i) => contender.ops[i],
          meter: contender.meter,
          keepLatencies: true,
        }),
      );
    }
  }
  return slices.map(mergeLoops);
}

function mergeLoops(slices) {
  const latencies = slices.flatMap((slice) => slice.latencies);
  const seconds = slices.reduce((sum, slice) => sum + (slice.cpuUsed?.seconds ?? 0), 0);
  const cpu = {};
  for (const slice of slices) {
    for (const [name, used] of Object.entries(slice.cpuUsed?.cpu ?? {})) {
      cpu[name] = used === null || cpu[name] === null ? null : (cpu[name] ?? 0) + used;
    }
  }
  const cpuMicrosPerOp = {};
  for (const [name, used] of Object.entries(cpu)) {
    cpuMicrosPerOp[name] = used === null || latencies.length === 0 ? null : round((used * 1e6) / latencies.length, 0);
  }
  const busy = slices.filter((slice) => typeof slice.machineBusyPct === 'number');
  const errors = slices.reduce((sum, slice) => sum + slice.errors, 0);
  const firstError = slices.find((slice) => slice.firstError)?.firstError;
  return {
    opsPerSec: round(latencies.length / (slices.reduce((sum, slice) => sum + slice.durationMs, 0) / 1000), 0),
    ...summarize(latencies),
    errors,
    ...(firstError ? { firstError } : {}),
    appCpuPct: typeof cpu.app === 'number' && seconds > 0 ? round((100 * cpu.app) / seconds, 0) : null,
    machineBusyPct: busy.length
      ? round(busy.reduce((sum, slice) => sum + slice.machineBusyPct, 0) / busy.length, 0)
      : null,
    cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([name, used]) => [name, round(used, 2)])),
    cpuMicrosPerOp,
    rounds: slices.length,
  };
}

// ---------------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------------

/** Cores, memory, OS, node, Postgres (version and the settings that matter) and NATS versions. */
export async function describeMachine(admin, nc, natsInfo) {
  const setting = async (name) => (await admin.query(`SHOW ${name}`)).rows[0][name];
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? null,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: (await admin.query('SELECT version()')).rows[0].version,
    postgresSettings: {
      fsync: await setting('fsync'),
      synchronous_commit: await setting('synchronous_commit'),
      shared_buffers: await setting('shared_buffers'),
      max_connections: await setting('max_connections'),
    },
    nats: nc.info?.version ?? null,
    natsServer: natsInfo,
    loadAverage: os.loadavg().map((v) => round(v, 2)),
  };
}

/** The machine lines of a report's header. */
export function machineLines(machine) {
  return [
    `machine   ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}`,
    `          load average ${machine.loadAverage.join(' ')}, ${machine.busyPctBeforeStart ?? '?'}% busy over 1 s before start`,
    `node      ${machine.node}`,
    `postgres  ${machine.postgres}`,
    `          fsync=${machine.postgresSettings.fsync} synchronous_commit=${machine.postgresSettings.synchronous_commit} ` +
      `shared_buffers=${machine.postgresSettings.shared_buffers} max_connections=${machine.postgresSettings.max_connections}`,
    `nats      nats-server ${machine.nats} (${machine.natsServer})`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing
// ---------------------------------------------------------------------------------------------

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    maxMs: round(sorted.length ? sorted[sorted.length - 1] : null, 3),
  };
}

export function round(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function fmtInt(value) {
  return value === null || value === undefined ? '-' : Math.round(value).toLocaleString('en-US');
}

export function fmtMs(value) {
  if (value === null || value === undefined) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function fmtRatio(value) {
  return value === null || value === undefined ? '-' : `${value.toFixed(2)}x`;
}

/** A plain-text table: header row, a rule, rows; numbers right-aligned. */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const numeric = headers.map((_, i) => rows.every((row) => /^[-\d.,x% ]*$/.test(String(row[i] ?? ''))));
  const line = (row) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
