// Helpers for the benchmarks in bench/: child processes, build check, NATS requests, statistics,
// tables. Nothing here measures anything by itself.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { headers as natsHeaders } from '@nats-io/transport-node';
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
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
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
