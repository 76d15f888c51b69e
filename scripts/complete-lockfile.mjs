#!/usr/bin/env node
// The npm registry reachable from our machines serves only the linux-x64 builds of native
// packages, so `npm install` here writes a lock file without the other platforms' optional
// packages, and `npm ci` then refuses it as out of sync. This adds the missing optional
// entries (version, os, cpu) exactly as npm would on a machine that can see them; npm ci then
// skips them on platforms they are not for. Run it after `npm install` changes the lock file.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'sunos', 'openbsd', 'netbsd', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32', 'mips64el'];

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
let added = 0;

for (const [where, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (packages[`node_modules/${name}`] || packages[`${where}/node_modules/${name}`]) continue;
    const tokens = name.split('/').pop().split('-');
    const os = tokens.find((t) => OS.includes(t));
    const cpu = tokens.find((t) => CPU.includes(t));
    const extra = { version, ...(cpu ? { cpu: [cpu] } : {}), optional: true, ...(os ? { os: [os] } : {}) };
    if (entry.dev) extra.dev = true;
    packages[`node_modules/${name}`] = extra;
    added += 1;
  }
}

lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
