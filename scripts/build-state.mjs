// Whether dist/ is older than the sources that go into it, shared by npm start and the
// benchmarks so both rebuild under the same rule.
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const APP_NAMES = ['gateway', 'event-store', 'registry', 'telemetry', 'scaler'];

export const entryOf = (app) => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');

const isTestPath = (path) =>
  /\.(spec|e2e-spec|test)\.[cm]?[jt]s$/.test(path) ||
  /(^|\/)(test|__tests__)\//.test(path) ||
  path.startsWith('libs/testing/');

/** The newest modification time of the sources that go into dist/ (tests excluded). */
export function newestSource() {
  let newest = { time: 0, path: '' };
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(ROOT, path).split('\\').join('/');
      if (entry.isDirectory()) {
        // A library's own build output (libs/sdk/dist) is not a source of the apps.
        if (entry.name !== 'node_modules' && entry.name !== 'dist' && !isTestPath(`${rel}/`)) walk(path);
      } else if (entry.isFile() && !isTestPath(rel)) {
        const time = statSync(path).mtimeMs;
        if (time > newest.time) newest = { time, path: rel };
      }
    }
  };
  for (const top of ['apps', 'libs']) if (existsSync(join(ROOT, top))) walk(join(ROOT, top));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json']) {
    const path = join(ROOT, file);
    if (existsSync(path) && statSync(path).mtimeMs > newest.time) newest = { time: statSync(path).mtimeMs, path: file };
  }
  return newest;
}

/** Why the apps need a build (a missing entry point, a newer source), or undefined. */
export function buildReason(apps) {
  const missing = apps.filter((app) => !existsSync(entryOf(app)));
  if (missing.length) return `${missing.map((app) => relative(ROOT, entryOf(app))).join(', ')} missing`;
  const oldest = Math.min(...apps.map((app) => statSync(entryOf(app)).mtimeMs));
  const newest = newestSource();
  return newest.time > oldest ? `${newest.path} changed since the last build` : undefined;
}

/**
 * tsc only rewrites what changed, so an entry point can stay older than a library it imports:
 * mark every entry point as built when the build began (the build compiles every app), or every
 * start would rebuild; a source saved during the build stays newer, so the next start rebuilds.
 */
export function markBuilt(startedAtMs) {
  const builtAt = new Date(startedAtMs);
  for (const app of APP_NAMES) if (existsSync(entryOf(app))) utimesSync(entryOf(app), builtAt, builtAt);
}
