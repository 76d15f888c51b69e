#!/usr/bin/env node
// Builds the publishable @evento/sdk: compiles the SDK together with the protocol contracts it
// speaks into dist/, then points the SDK's `@evento/contracts` imports at the bundled copy, so
// the package needs nothing from this repository.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, '../../node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);

const sdk = join(dist, 'sdk/src');
const contracts = join(dist, 'contracts/src');
let rewritten = 0;
for (const file of walk(sdk)) {
  if (!/\.(js|d\.ts)$/.test(file)) continue;
  const target = relative(dirname(file), contracts).split('\\').join('/');
  const specifier = target.startsWith('.') ? target : `./${target}`;
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/(["'])@evento\/contracts\1/g, `$1${specifier}$1`);
  if (next !== text) {
    writeFileSync(file, next);
    rewritten += 1;
  }
}
process.stdout.write(
  `@evento/sdk built in ${relative(process.cwd(), dist)} (${rewritten} files point at the bundled contracts)\n`,
);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
