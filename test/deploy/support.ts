/**
 * Readers for the deployment files (Dockerfile, docker-compose.yml, k8s/, .env.example), so the
 * tests in this folder can check them without a Docker engine, a cluster or a kustomize binary.
 * Each reader understands the subset of its format these files use and throws on anything else,
 * so a new construct shows up as a failing test rather than as a silently skipped check.
 */
import type { AppName } from '@evento/contracts';
import { type BaseConfig, ConfigValidationError, loadConfig } from '@evento/platform';
import { getMetadataStorage } from 'class-validator';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { EventStoreConfig } from '../../apps/event-store/src/config/event-store.config';
import { GatewayConfig } from '../../apps/gateway/src/config/gateway.config';
import { RegistryConfig } from '../../apps/registry/src/config/registry.config';
import { ScalerConfig } from '../../apps/scaler/src/config/scaler.config';
import { TelemetryConfig } from '../../apps/telemetry/src/config/telemetry.config';

export const ROOT = resolve(__dirname, '../..');

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

// ---- configuration classes -----------------------------------------------------------------

export type ConfigClass = new () => BaseConfig;

/** Every app's configuration class; a Record so a new app in APP_NAMES must be added here. */
export const APP_CONFIGS: Record<AppName, ConfigClass> = {
  gateway: GatewayConfig,
  'event-store': EventStoreConfig,
  registry: RegistryConfig,
  telemetry: TelemetryConfig,
  scaler: ScalerConfig,
};

/** The environment variables a config class reads: its validated properties. */
export function configVariables(configClass: ConfigClass): string[] {
  const names = getMetadataStorage()
    .getTargetValidationMetadatas(configClass, '', true, false)
    .map((meta) => meta.propertyName);
  return [...new Set(names)];
}

/** Variables of all apps together. */
export function allVariables(): string[] {
  return [...new Set(Object.values(APP_CONFIGS).flatMap(configVariables))].sort();
}

/** The app's HTTP port when HTTP_PORT is not set. */
export function defaultPort(configClass: ConfigClass): number {
  return loadConfig(configClass, {}, {}).HTTP_PORT;
}

/** The variables a config validation complains about (empty when it passes). */
export function failingVariables(configClass: ConfigClass, env: Record<string, string>): string[] {
  try {
    loadConfig(configClass, env, {});
    return [];
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    return configVariables(configClass).filter((name) =>
      error.problems.some((problem) => new RegExp(`^${name}\\b`).test(problem)),
    );
  }
}

/**
 * Variables a deployment must set because the class has no default that works there: those a
 * production config without anything else fails on (OPERATOR_TOKEN, and any future variable
 * without a default), and those whose defaults point at the developer's own machine (HTTP_HOST,
 * NATS_URL, DATABASE_URL: 127.0.0.1 is the container itself).
 */
export function variablesWithoutUsableDefault(configClass: ConfigClass): string[] {
  const defaults = new configClass() as unknown as Record<string, unknown>;
  const machineLocal = configVariables(configClass).filter((name) => {
    const value = defaults[name];
    return typeof value === 'string' && /127\.0\.0\.1|localhost|\[::1\]/.test(value);
  });
  const required = failingVariables(configClass, { NODE_ENV: 'production' });
  return [...new Set(['NODE_ENV', ...required, ...machineLocal])].sort();
}

// ---- Kubernetes ----------------------------------------------------------------------------

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export function idOf(object: K8sObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

function readManifests(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
]);

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { path?: string; patch?: string; target?: unknown }[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Strategic merge limited to maps: lists in a patch are refused (they need merge keys). */
function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>, path: string): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (Array.isArray(value)) {
      throw new Error(`patch at ${path}.${key}: list patches are not supported by these tests`);
    } else if (isPlainObject(value) && isPlainObject(target[key])) {
      mergePatch(target[key], value, `${path}.${key}`);
    } else {
      target[key] = structuredClone(value);
    }
  }
}

function podSpecOf(object: K8sObject): Record<string, unknown> | undefined {
  const spec = object.spec as { template?: { spec?: Record<string, unknown> } } | undefined;
  return spec?.template?.spec;
}

function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withTag, digest] = image.split('@');
  const slash = withTag.lastIndexOf('/');
  const colon = withTag.lastIndexOf(':');
  return colon > slash
    ? { name: withTag.slice(0, colon), tag: withTag.slice(colon + 1), digest }
    : { name: withTag, digest };
}

/**
 * `kustomize build` for the features the k8s/ directory uses: resources (files and
 * directories), namespace, images and strategic-merge patches of maps. Anything else throws.
 */
export function kustomize(directory: string): K8sObject[] {
  const dir = resolve(ROOT, directory);
  const file = join(dir, 'kustomization.yaml');
  const kustomization = parse(readFileSync(file, 'utf8')) as Kustomization & Record<string, unknown>;
  for (const field of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) throw new Error(`${file}: field ${field} is not supported by these tests`);
  }

  const objects: K8sObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(dir, resource);
    objects.push(...(statSync(path).isDirectory() ? kustomize(path) : readManifests(path)));
  }
  const ids = objects.map(idOf);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`${file}: ${duplicate} is defined twice`);

  for (const entry of kustomization.patches ?? []) {
    if (entry.target !== undefined) throw new Error(`${file}: patch targets are not supported by these tests`);
    const patches = entry.path
      ? readManifests(resolve(dir, entry.path))
      : parseAllDocuments(entry.patch ?? '').map((doc) => doc.toJS() as K8sObject);
    for (const patch of patches) {
      const target = objects.find(
        (object) =>
          object.kind === patch.kind &&
          object.apiVersion === patch.apiVersion &&
          object.metadata.name === patch.metadata.name,
      );
      if (!target) throw new Error(`${file}: patch for ${idOf(patch)} matches no resource`);
      mergePatch(target, patch, idOf(patch));
    }
  }

  for (const image of kustomization.images ?? []) {
    for (const object of objects) {
      const podSpec = podSpecOf(object);
      const containers = [
        ...((podSpec?.containers as { image: string }[] | undefined) ?? []),
        ...((podSpec?.initContainers as { image: string }[] | undefined) ?? []),
      ];
      for (const container of containers) {
        const current = splitImage(container.image);
        if (current.name !== image.name) continue;
        const name = image.newName ?? current.name;
        const tag = image.newTag ?? current.tag;
        const digest = image.digest ?? (image.newTag ? undefined : current.digest);
        container.image = `${name}${tag && !digest ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
      }
    }
  }

  if (kustomization.namespace) {
    for (const object of objects) {
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
      // Like kustomize: ServiceAccount subjects of bindings follow the namespace when they name none.
      if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
        const subjects = (object as { subjects?: Array<{ kind: string; namespace?: string }> }).subjects ?? [];
        for (const subject of subjects) {
          if (subject.kind === 'ServiceAccount' && (!subject.namespace || subject.namespace === 'default')) {
            subject.namespace = kustomization.namespace;
          }
        }
      }
    }
  }
  return objects;
}

/** The real `kustomize build` (kubectl's built-in copy), or undefined when kubectl is absent. */
export function kubectlKustomize(directory: string): K8sObject[] | undefined {
  try {
    const output = execFileSync('kubectl', ['kustomize', resolve(ROOT, directory)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return parseAllDocuments(output).map((doc) => doc.toJS() as K8sObject);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Schema errors of each object per kubernetes-models. That package is ESM-only and Jest loads
 * test code as CommonJS, so the validation runs in a plain Node process.
 */
export function schemaErrors(objects: K8sObject[]): Record<string, string[]> {
  const output = execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], {
    cwd: ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  const results = JSON.parse(output) as string[][];
  return Object.fromEntries(objects.map((object, i) => [idOf(object), results[i]]));
}

export function byKind<T = Record<string, unknown>>(objects: K8sObject[], kind: string): (K8sObject & T)[] {
  return objects.filter((object) => object.kind === kind) as (K8sObject & T)[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  [key: string]: unknown;
}

export interface Workload {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: { metadata: { labels?: Record<string, string> }; spec: PodSpec };
  };
}

function find(objects: K8sObject[], kind: string, name: string, namespace: string | undefined): K8sObject | undefined {
  return objects.find(
    (object) => object.kind === kind && object.metadata.name === name && object.metadata.namespace === namespace,
  );
}

/** A Secret's values: stringData over base64-decoded data, as the API server stores them. */
export function secretValues(secret: K8sObject): Record<string, string> {
  const data = (secret.data ?? {}) as Record<string, string>;
  const decoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  );
  return { ...decoded, ...((secret.stringData ?? {}) as Record<string, string>) };
}

function sourceValues(
  objects: K8sObject[],
  kind: 'ConfigMap' | 'Secret',
  name: string,
  namespace: string | undefined,
  optional: boolean | undefined,
): Record<string, string> | undefined {
  const source = find(objects, kind, name, namespace);
  if (!source) {
    if (optional) return undefined;
    throw new Error(`${kind} ${name} is referenced but not defined`);
  }
  return kind === 'Secret' ? secretValues(source) : ((source.data ?? {}) as Record<string, string>);
}

/**
 * The environment a container of a pod named `podName` starts with: envFrom sources in order,
 * then env, with references to ConfigMaps, Secrets and pod fields resolved.
 */
export function containerEnv(
  objects: K8sObject[],
  container: Container,
  pod: { name: string; namespace?: string },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) throw new Error(`${container.name}: unsupported envFrom ${JSON.stringify(from)}`);
    const values = sourceValues(
      objects,
      from.configMapRef ? 'ConfigMap' : 'Secret',
      ref.name,
      pod.namespace,
      ref.optional,
    );
    for (const [key, value] of Object.entries(values ?? {})) env[`${from.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = variable.value ?? '';
    } else if (from.fieldRef) {
      const fields: Record<string, string | undefined> = {
        'metadata.name': pod.name,
        'metadata.namespace': pod.namespace ?? 'default',
      };
      const value = fields[from.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`${variable.name}: unsupported fieldRef ${from.fieldRef.fieldPath}`);
      env[variable.name] = value;
    } else {
      const ref = (from.secretKeyRef ?? from.configMapKeyRef)!;
      const values = sourceValues(
        objects,
        from.secretKeyRef ? 'Secret' : 'ConfigMap',
        ref.name,
        pod.namespace,
        ref.optional,
      );
      const value = values?.[ref.key];
      if (value === undefined && !ref.optional) {
        throw new Error(`${variable.name}: key ${ref.key} missing in ${ref.name}`);
      }
      if (value !== undefined) env[variable.name] = value;
    }
  }
  return env;
}

// ---- docker compose ------------------------------------------------------------------------

/**
 * Compose's variable interpolation with the given shell environment: $$, $VAR, ${VAR},
 * ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}.
 */
export function interpolate(text: string, shell: Record<string, string> = {}): string {
  return text.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_match, dollar: string, braced: string, op: string | undefined, arg: string, bare: string) => {
      if (dollar) return '$';
      const name = braced ?? bare;
      const value = shell[name];
      const set = op?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
      switch (op?.replace(':', '') ?? '') {
        case '-':
          return set ? value : arg;
        case '?':
          if (!set) throw new Error(`compose: ${name} is required: ${arg}`);
          return value;
        case '+':
          return set ? arg : '';
        default:
          return value ?? '';
      }
    },
  );
}

function interpolateTree(value: unknown, shell: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, shell);
  if (Array.isArray(value)) return value.map((item) => interpolateTree(item, shell));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateTree(item, shell)]));
  }
  return value;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> | string[] };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  healthcheck?: { test: string | string[]; interval?: string; timeout?: string; retries?: number };
  depends_on?: string[] | Record<string, { condition?: string }>;
  stop_grace_period?: string;
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

/** docker-compose.yml with YAML merge keys applied and variables interpolated from `shell`. */
export function loadCompose(shell: Record<string, string> = {}): ComposeFile {
  const raw = parse(readText('docker-compose.yml'), { merge: true }) as ComposeFile;
  return interpolateTree(raw, shell) as ComposeFile;
}

/** Map or list form to a map; `null` (pass-through from the shell) counts as unset. */
export function keyValues(entries: Record<string, unknown> | string[] | undefined): Record<string, string> {
  if (Array.isArray(entries)) {
    return Object.fromEntries(
      entries
        .filter((entry) => entry.includes('='))
        .map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]),
    );
  }
  return Object.fromEntries(
    Object.entries(entries ?? {})
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([key, value]) => [key, String(value)]),
  );
}

/** Compose's short port syntax [[ip:]published:]target[/proto], or the long form. */
export function parsePort(port: ComposeService['ports'] extends (infer P)[] | undefined ? P : never): {
  published?: number;
  target: number;
} {
  if (typeof port === 'object') {
    return {
      target: Number(port.target),
      published: port.published === undefined ? undefined : Number(port.published),
    };
  }
  const parts = String(port)
    .replace(/\/(tcp|udp)$/, '')
    .split(':');
  const target = Number(parts[parts.length - 1]);
  const published = parts.length > 1 ? Number(parts[parts.length - 2]) : undefined;
  return { target, published };
}

/** Compose durations such as 1m30s, 15s, 500ms, in milliseconds. */
export function durationMs(duration: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== duration) {
    throw new Error(`not a duration: ${duration}`);
  }
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * units[unit], 0);
}

// ---- Dockerfile ----------------------------------------------------------------------------

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions by stage, continuation lines joined, comments dropped, global ARGs resolved. */
export function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const instructions = joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [keyword] = line.split(/\s/, 1);
      return { keyword: keyword.toUpperCase(), args: line.slice(keyword.length).trim() };
    });
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{?(\w+)\}?/g, (_m, arg: string) => globalArgs[arg] ?? '');
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile: ${instruction.keyword} before FROM`);
      const [name, value] = instruction.args.split('=');
      globalArgs[name] = value ?? '';
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** KEY=value pairs of an ENV or ARG instruction (the `ENV KEY value` legacy form too). */
export function assignments(args: string): Record<string, string> {
  const pairs = [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)];
  if (pairs.length === 0) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  return Object.fromEntries(pairs.map(([, key, value]) => [key, value.replace(/^(["'])(.*)\1$/, '$2')]));
}

/** Whether .dockerignore keeps `path` (relative to the repository) out of the build context. */
export function dockerIgnores(patterns: string[], path: string): boolean {
  const toRegExp = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?')}$`,
    );
  const segments = path.split('/');
  const candidates = segments.map((_s, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const regexp = toRegExp(negated ? raw.slice(1) : raw);
    if (candidates.some((candidate) => regexp.test(candidate))) ignored = !negated;
  }
  return ignored;
}

export function dockerignorePatterns(): string[] {
  return readText('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

/** Files under `dir` (relative to the repository), skipping node_modules. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const entry of existsSync(path) ? readdirSync(path) : []) {
      if (entry === 'node_modules') continue;
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(ROOT, full));
    }
  };
  walk(join(ROOT, dir));
  return out;
}

// ---- .env files ----------------------------------------------------------------------------

export interface EnvFileEntry {
  name: string;
  value: string;
  active: boolean;
  line: number;
  /** The prose comment right above the entry, if any. */
  comment?: string;
}

/** A dotenv file: `NAME=value` lines, and `# NAME=value` lines for documented, unset variables. */
export function parseEnvFile(text: string): EnvFileEntry[] {
  const lines = text.split('\n');
  const entries: EnvFileEntry[] = [];
  lines.forEach((line, i) => {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) return;
    const previous = i > 0 ? lines[i - 1] : '';
    const isProse = previous.startsWith('#') && !/^#\s*[A-Z][A-Z0-9_]*=/.test(previous);
    entries.push({
      name: match[2],
      value: match[3],
      active: match[1] === undefined,
      line: i + 1,
      comment: isProse ? previous.replace(/^#\s*/, '') : undefined,
    });
  });
  return entries;
}
