/**
 * The deployment files (Dockerfile, docker-compose.yml, k8s/, .env.example) checked against the
 * code: every app deployed, probes and ports matching the apps' configuration, and the
 * environment each container gets passing the app's own config validation. No Docker engine,
 * cluster or kustomize binary is needed: the files are parsed (see ./support.ts).
 */
import { APP_NAMES, type AppName } from '@evento/contracts';
import { loadConfig, SECRET_VARIABLES } from '@evento/platform';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  allVariables,
  APP_CONFIGS,
  assignments,
  byKind,
  type ComposeService,
  configVariables,
  type Container,
  containerEnv,
  defaultPort,
  dockerIgnores,
  dockerignorePatterns,
  durationMs,
  failingVariables,
  filesUnder,
  idOf,
  interpolate,
  type K8sObject,
  keyValues,
  kubectlKustomize,
  kustomize,
  loadCompose,
  parseDockerfile,
  parseEnvFile,
  parsePort,
  readText,
  ROOT,
  schemaErrors,
  secretValues,
  variablesWithoutUsableDefault,
  type Workload,
} from './support';

const SECRETS: readonly string[] = SECRET_VARIABLES;
/** Variables the image itself reads (the CMD picks the app with it); not part of any config class. */
const IMAGE_VARIABLES = ['APP'];
/** Postgres' default max_connections less its superuser reserve. */
const POSTGRES_CONNECTIONS = 97;

interface HttpProbe {
  httpGet?: { path: string; port: number | string };
  timeoutSeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

function containerPort(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels?.[key] === value);
}

function preStopSleepSeconds(container: Container): number {
  const preStop = (container.lifecycle as { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } })
    ?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
}

// ---- Dockerfile ------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const { stages } = parseDockerfile(readText('Dockerfile'));
  const runtime = stages[stages.length - 1];
  const runs = (stage: { instructions: { keyword: string; args: string }[] }) =>
    stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const last = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).pop();
  const imageEnv = Object.assign(
    {},
    ...runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => assignments(i.args)),
  ) as Record<string, string>;
  const appArg = Object.assign(
    {},
    ...runtime.instructions.filter((i) => i.keyword === 'ARG').map((i) => assignments(i.args)),
  ) as Record<string, string>;

  it('is multi-stage: npm ci and npm run build, then a slim Node 20 runtime with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const allRuns = stages.flatMap(runs);
    expect(allRuns.some((run) => /\bnpm ci\b/.test(run) && !run.includes('--omit=dev'))).toBe(true);
    expect(allRuns.some((run) => /\bnpm run build\b/.test(run))).toBe(true);
    expect(runtime.from).toMatch(/^node:20[.\d]*-(bookworm-)?slim$/);
    expect(runs(runtime).some((run) => /\bnpm (ci|install)\b/.test(run) && !run.includes('--omit=dev'))).toBe(false);

    // node_modules of the runtime come from a stage that installed with --omit=dev.
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY' && i.args.includes('node_modules'));
    expect(copies).toHaveLength(1);
    const source = /--from=(\S+)/.exec(copies[0].args)?.[1];
    const sourceStage = stages.find((stage) => stage.name === source);
    expect(sourceStage && runs(sourceStage).some((run) => /\bnpm ci\b.*--omit=dev/.test(run))).toBe(true);
  });

  it('takes the app from ARG APP, kept as ENV APP so it can be overridden at run time', () => {
    expect(APP_NAMES).toContain(appArg.APP);
    expect(imageEnv.APP).toMatch(/^\$\{?APP\}?$/);
  });

  it('runs exec node dist/apps/$APP/src/main.js, the entry file nest-cli.json builds for every app', () => {
    const cmd = last('CMD');
    expect(cmd).toBeDefined();
    const argv = JSON.parse(cmd!.args) as string[]; // exec form, so no extra shell wraps it
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).toMatch(/(^|;\s*)exec node dist\/apps\/\$\{?APP\}?\/src\/main\.js$/);
    expect(last('ENTRYPOINT')).toBeUndefined();

    const nestCli = JSON.parse(readText('nest-cli.json')) as { projects: Record<string, { entryFile?: string }> };
    for (const app of APP_NAMES) {
      expect(`dist/${nestCli.projects[app]?.entryFile}.js`).toBe(`dist/apps/${app}/src/main.js`);
    }
  });

  it('runs as a numeric non-root user', () => {
    const user = last('USER')?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
  });

  it("exposes every app's default port", () => {
    const exposed = runtime.instructions
      .filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((port) => Number(port.replace(/\/tcp$/, '')));
    for (const app of APP_NAMES) expect(exposed).toContain(defaultPort(APP_CONFIGS[app]));
  });

  it('listens on all interfaces and is production-ready once the secrets are given', () => {
    for (const app of APP_NAMES) {
      const env = {
        ...imageEnv,
        OPERATOR_TOKEN: 'a-token-of-sixteen-chars',
        BUNDLE_TOKEN: 'a-bundle-token-of-16-chars',
      };
      expect(failingVariables(APP_CONFIGS[app], env)).toEqual([]);
      const config = loadConfig(APP_CONFIGS[app], env, {});
      expect(config.HTTP_HOST).toBe('0.0.0.0');
      expect(config.NODE_ENV).toBe('production');
    }
  });

  it('copies files that exist and that .dockerignore keeps in the build context', () => {
    const patterns = dockerignorePatterns();
    const sources = stages
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((arg) => !arg.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source))).toBe(true);
      expect([source, dockerIgnores(patterns, source)]).toEqual([source, false]);
    }
    // Everything `nest build` compiles (tsconfig.build.json) stays in.
    const buildSources = [
      ...filesUnder('apps'),
      ...filesUnder('libs/contracts'),
      ...filesUnder('libs/platform'),
    ].filter((file) => /\/src\//.test(file) && !/\.(e2e-)?spec\.ts$/.test(file));
    expect(buildSources.length).toBeGreaterThan(0);
    expect(buildSources.filter((file) => dockerIgnores(patterns, file))).toEqual([]);
  });

  it('.dockerignore keeps local state and secrets out of the image', () => {
    const patterns = dockerignorePatterns();
    for (const path of ['node_modules', 'dist', '.git', '.env', '.env.local', 'coverage']) {
      expect([path, dockerIgnores(patterns, path)]).toEqual([path, true]);
    }
  });
});

// ---- docker-compose.yml ----------------------------------------------------------------------

describe('docker-compose.yml', () => {
  const compose = loadCompose();
  const services = compose.services;

  it('runs NATS with JetStream and Postgres 16 with health checks', () => {
    const nats = services.nats;
    expect(nats.image).toMatch(/^nats:2\.1\d/);
    const command = Array.isArray(nats.command) ? nats.command : String(nats.command).split(/\s+/);
    expect(command.some((arg) => arg === '-js' || arg === '--jetstream')).toBe(true);
    expect(nats.healthcheck).toBeDefined();

    const postgres = services.postgres;
    expect(postgres.image).toMatch(/^postgres:16/);
    expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
  });

  it('runs every app and nothing it does not know', () => {
    const appServices = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(appServices.map(([name]) => name).sort()).toEqual([...APP_NAMES].sort());
  });

  it('interpolates OPERATOR_TOKEN from the shell', () => {
    const withToken = loadCompose({ OPERATOR_TOKEN: 'from-the-shell-0123456789' });
    for (const app of APP_NAMES) {
      expect(keyValues(withToken.services[app].environment).OPERATOR_TOKEN).toBe('from-the-shell-0123456789');
    }
    expect(interpolate('$${A} ${B:-b} ${C-c} ${D:+d} $E', { D: 'x', E: 'e' })).toBe('${A} b c d e');
  });

  it("keeps the apps' database pools within Postgres' connection limit", () => {
    const total = APP_NAMES.reduce((sum, app) => {
      const config = loadConfig(APP_CONFIGS[app], keyValues(services[app].environment), {});
      return sum + config.DATABASE_POOL_SIZE;
    }, 0);
    expect(total).toBeLessThanOrEqual(POSTGRES_CONNECTIONS);
  });

  describe.each(APP_NAMES)('service %s', (app: AppName) => {
    const service: ComposeService = services[app] ?? {};
    const configClass = APP_CONFIGS[app];
    const env = keyValues(service.environment);
    const port = defaultPort(configClass);

    it('is built from the one Dockerfile with APP set to the app', () => {
      expect(service.build?.context).toBe('.');
      expect(service.build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      expect(keyValues(service.build?.args).APP).toBe(app);
      expect(env.APP ?? app).toBe(app);
    });

    it('has an environment the app accepts, in production, with nothing left to a local default', () => {
      const unknown = Object.keys(env).filter(
        (name) => !allVariables().includes(name) && !IMAGE_VARIABLES.includes(name),
      );
      expect(unknown).toEqual([]);
      expect(failingVariables(configClass, env)).toEqual([]);
      const config = loadConfig(configClass, env, {});
      expect(config.NODE_ENV).toBe('production');
      expect(config.HTTP_HOST).toBe('0.0.0.0');
      expect(config.logFormat).toBe('json');
      const missing = variablesWithoutUsableDefault(configClass).filter((name) => env[name] === undefined);
      expect(missing).toEqual([]);
      expect(config.HTTP_PORT).toBe(port);
    });

    it('publishes the app port under the same number', () => {
      const ports = (service.ports ?? []).map(parsePort);
      expect(ports).toContainEqual({ published: port, target: port });
    });

    it('is healthy when /health/ready answers on the app port, checked with node (slim images have no curl)', () => {
      const test = service.healthcheck?.test;
      expect(Array.isArray(test)).toBe(true);
      const argv = test as string[];
      expect(argv.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
      const url = /https?:\/\/(127\.0\.0\.1|localhost):(\d+)(\/[^'"`\s)]*)/.exec(argv[3]);
      expect(url?.[2]).toBe(String(port));
      expect(url?.[3]).toBe('/health/ready');
    });

    it('starts once NATS and Postgres are healthy', () => {
      expect(service.depends_on).toEqual(
        expect.objectContaining({
          nats: expect.objectContaining({ condition: 'service_healthy' }),
          postgres: expect.objectContaining({ condition: 'service_healthy' }),
        }),
      );
    });

    it('reaches the NATS and Postgres services of this file', () => {
      const config = loadConfig(configClass, env, {});
      for (const server of config.natsServers) {
        const url = new URL(server);
        expect(services[url.hostname]).toBe(services.nats);
        expect(url.port || '4222').toBe('4222');
      }
      const database = new URL(config.DATABASE_URL);
      const postgresEnv = keyValues(services.postgres.environment);
      expect(services[database.hostname]).toBe(services.postgres);
      expect(database.port || '5432').toBe('5432');
      expect(decodeURIComponent(database.username)).toBe(postgresEnv.POSTGRES_USER ?? 'postgres');
      expect(decodeURIComponent(database.password)).toBe(postgresEnv.POSTGRES_PASSWORD);
      expect(database.pathname.slice(1)).toBe(postgresEnv.POSTGRES_DB ?? postgresEnv.POSTGRES_USER ?? 'postgres');
    });

    it('gets more time to stop than SHUTDOWN_TIMEOUT_MS', () => {
      const config = loadConfig(configClass, env, {});
      expect(durationMs(service.stop_grace_period ?? '10s')).toBeGreaterThan(config.SHUTDOWN_TIMEOUT_MS);
    });
  });
});

// ---- Kubernetes ------------------------------------------------------------------------------

describe.each(['k8s/base', 'k8s/overlays/local'])('kustomization %s', (dir: string) => {
  const objects = kustomize(dir);
  const isBase = dir === 'k8s/base';
  const namespace = isBase ? undefined : 'evento';
  const deployments = byKind<Workload>(objects, 'Deployment');
  const podName = (deployment: K8sObject) => `${deployment.metadata.name}-7d9f8c6b5d-x2k4q`;
  const appContainer = (deployment: K8sObject & Workload, app: AppName) =>
    deployment.spec.template.spec.containers.find((container) => container.name === app);

  it('builds objects that are valid for their Kubernetes schema', () => {
    const errors = Object.entries(schemaErrors(objects)).filter(([, list]) => list.length > 0);
    expect(errors).toEqual([]);
  });

  it('builds what `kubectl kustomize` builds, when kubectl is installed', () => {
    const real = kubectlKustomize(dir);
    if (!real) return; // the reader in ./support.ts is then the only build
    const sorted = (list: K8sObject[]) => [...list].sort((a, b) => idOf(a).localeCompare(idOf(b)));
    expect(sorted(objects)).toEqual(sorted(real));
  });

  it('lists every manifest file of its directory', () => {
    const listed = new Set(
      [...readText(`${dir}/kustomization.yaml`).matchAll(/^\s*-\s*(?:path:\s*)?([\w./-]+\.ya?ml)\s*$/gm)].map(
        (m) => m[1],
      ),
    );
    const files = readdirSync(join(ROOT, dir)).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
    expect(files.filter((file) => !listed.has(file))).toEqual([]);
  });

  it(isBase ? 'sets no namespace' : 'puts everything in the evento namespace', () => {
    const namespaced = objects.filter((object) => object.kind !== 'Namespace');
    expect(namespaced.filter((object) => object.metadata.namespace !== namespace).map(idOf)).toEqual([]);
    if (namespace) expect(byKind(objects, 'Namespace').map((ns) => ns.metadata.name)).toEqual([namespace]);
  });

  it('keeps secrets out of ConfigMaps and out of literal env values', () => {
    for (const configMap of byKind(objects, 'ConfigMap')) {
      const keys = Object.keys(configMap.data ?? {});
      expect([idOf(configMap), keys.filter((key) => SECRETS.includes(key))]).toEqual([idOf(configMap), []]);
    }
    for (const deployment of deployments) {
      for (const container of deployment.spec.template.spec.containers) {
        const literal = (container.env ?? []).filter((v) => SECRETS.includes(v.name) && v.valueFrom === undefined);
        expect([idOf(deployment), literal]).toEqual([idOf(deployment), []]);
      }
    }
  });

  it('configures only variables the apps know', () => {
    const known = allVariables();
    const sources = [
      ...byKind(objects, 'ConfigMap').filter((object) => object.metadata.name.startsWith('evento-')),
      ...byKind(objects, 'Secret').filter((object) => object.metadata.name.startsWith('evento-')),
    ];
    expect(sources.length).toBeGreaterThanOrEqual(2);
    for (const source of sources) {
      const keys = Object.keys(source.kind === 'Secret' ? secretValues(source) : (source.data as object));
      expect([idOf(source), keys.filter((key) => !known.includes(key))]).toEqual([idOf(source), []]);
    }
  });

  it('deploys the apps and nothing else from the evento-server image', () => {
    const appDeployments = deployments.filter((d) =>
      d.spec.template.spec.containers.some((c) => /evento-server/.test(c.image)),
    );
    expect(appDeployments.map((d) => d.metadata.name).sort()).toEqual(APP_NAMES.map((app) => `evento-${app}`).sort());
    const images = new Set(appDeployments.flatMap((d) => d.spec.template.spec.containers.map((c) => c.image)));
    expect(images.size).toBe(1);
    if (!isBase) expect([...images]).toEqual(['evento-server:local']);
  });

  if (!isBase) {
    it('brings NATS with JetStream and Postgres matching the DATABASE_URL of the apps', () => {
      const statefulSets = byKind<Workload>(objects, 'StatefulSet');
      const nats = statefulSets.find((s) => s.metadata.name === 'nats')!.spec.template.spec.containers[0];
      expect(nats.args).toEqual(expect.arrayContaining(['-js']));
      const services = byKind<{ spec: { ports: { port: number }[] } }>(objects, 'Service');
      const servicePort = (name: string) => services.find((s) => s.metadata.name === name)?.spec.ports[0].port;

      const gateway = deployments.find((d) => d.metadata.name === 'evento-gateway')!;
      const env = containerEnv(objects, appContainer(gateway, 'gateway')!, { name: podName(gateway), namespace });
      const config = loadConfig(APP_CONFIGS.gateway, env, {});
      for (const server of config.natsServers) {
        const url = new URL(server);
        expect(servicePort(url.hostname)).toBe(Number(url.port || 4222));
      }
      const database = new URL(config.DATABASE_URL);
      expect(servicePort(database.hostname)).toBe(Number(database.port || 5432));
      const postgres = statefulSets.find((s) => s.metadata.name === database.hostname)!.spec.template.spec
        .containers[0];
      const postgresEnv = containerEnv(objects, postgres, { name: `${database.hostname}-0`, namespace });
      expect(decodeURIComponent(database.username)).toBe(postgresEnv.POSTGRES_USER);
      expect(decodeURIComponent(database.password)).toBe(postgresEnv.POSTGRES_PASSWORD);
      expect(database.pathname.slice(1)).toBe(postgresEnv.POSTGRES_DB);
    });

    it("keeps the apps' database pools, during a rolling update too, within Postgres' connection limit", () => {
      const total = APP_NAMES.reduce((sum, app) => {
        const deployment = deployments.find((d) => d.metadata.name === `evento-${app}`)!;
        const env = containerEnv(objects, appContainer(deployment, app)!, { name: podName(deployment), namespace });
        const surge = 1;
        return (
          sum + ((deployment.spec.replicas ?? 1) + surge) * loadConfig(APP_CONFIGS[app], env, {}).DATABASE_POOL_SIZE
        );
      }, 0);
      expect(total).toBeLessThanOrEqual(POSTGRES_CONNECTIONS);
    });
  }

  describe.each(APP_NAMES)('app %s', (app: AppName) => {
    const name = `evento-${app}`;
    const configClass = APP_CONFIGS[app];
    const port = defaultPort(configClass);
    const deployment = deployments.find((d) => d.metadata.name === name)!;
    const service = byKind<{
      spec: { type?: string; selector: Record<string, string>; ports: { port: number; targetPort: number | string }[] };
    }>(objects, 'Service').find((s) => s.metadata.name === name);
    const pdb = byKind<{ spec: { minAvailable?: number; selector: { matchLabels: Record<string, string> } } }>(
      objects,
      'PodDisruptionBudget',
    ).find((p) => p.metadata.name === name);
    const container = deployment && appContainer(deployment, app);
    const pod = { name: deployment ? podName(deployment) : `${name}-missing`, namespace };
    const env = () => containerEnv(objects, container!, pod);

    it('has a Deployment, a Service and a PodDisruptionBudget', () => {
      expect(deployment).toBeDefined();
      expect(container).toBeDefined();
      expect(service).toBeDefined();
      expect(pdb).toBeDefined();
    });

    it(`runs ${isBase ? '2 replicas' : 'at least 2 replicas'}, spread over nodes, updated without losing capacity`, () => {
      if (isBase) expect(deployment.spec.replicas).toBe(2);
      else expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(deployment.spec.template.spec.topologySpreadConstraints).toBeDefined();
      expect(deployment.spec).toEqual(
        expect.objectContaining({
          strategy: expect.objectContaining({ rollingUpdate: expect.objectContaining({ maxUnavailable: 0 }) }),
        }),
      );
    });

    it('selects its own pods only, from the Deployment, the Service and the PodDisruptionBudget', () => {
      const labels = deployment.spec.template.metadata.labels;
      const others = deployments.filter((d) => d !== deployment).map((d) => d.spec.template.metadata.labels);
      for (const selector of [
        deployment.spec.selector.matchLabels,
        service!.spec.selector,
        pdb!.spec.selector.matchLabels,
      ]) {
        expect(selects(selector, labels)).toBe(true);
        expect(others.filter((other) => selects(selector, other))).toEqual([]);
      }
    });

    it("serves HTTP on the app's default port, through a ClusterIP Service", () => {
      expect(container!.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: port })]);
      expect(env().HTTP_PORT ?? String(port)).toBe(String(port));
      expect(service!.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(service!.spec.ports).toHaveLength(1);
      expect(service!.spec.ports[0].port).toBe(port);
      expect(containerPort(container!, service!.spec.ports[0].targetPort)).toBe(port);
    });

    it('probes /health/ready for readiness and /health/live for liveness and startup, on the app port', () => {
      const probes = container as unknown as Record<
        'readinessProbe' | 'livenessProbe' | 'startupProbe',
        HttpProbe | undefined
      >;
      expect(probes.readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(probes.livenessProbe?.httpGet?.path).toBe('/health/live');
      for (const probe of [probes.readinessProbe, probes.livenessProbe, probes.startupProbe]) {
        if (!probe) continue;
        expect(['/health/ready', '/health/live']).toContain(probe.httpGet?.path);
        expect(containerPort(container!, probe.httpGet!.port)).toBe(port);
      }
      if (probes.startupProbe) expect(probes.startupProbe.httpGet?.path).toBe('/health/live');
      // The readiness check gives each dependency HEALTH_TIMEOUT_MS; the probe must wait longer.
      const config = loadConfig(configClass, env(), {});
      expect((probes.readinessProbe!.timeoutSeconds ?? 1) * 1000).toBeGreaterThan(config.HEALTH_TIMEOUT_MS);
    });

    it('keeps at least one pod through voluntary disruptions', () => {
      expect(pdb!.spec.minAvailable).toBe(1);
      expect(deployment.spec.replicas).toBeGreaterThan(1);
    });

    it('gets its configuration from evento-config and evento-secrets, and its identity from the pod', () => {
      const from = container!.envFrom ?? [];
      expect(from.map((source) => source.configMapRef?.name).filter(Boolean)).toEqual(['evento-config']);
      expect(from.map((source) => source.secretRef?.name).filter(Boolean)).toEqual(['evento-secrets']);
      const instanceId = (container!.env ?? []).find((variable) => variable.name === 'INSTANCE_ID');
      expect(instanceId?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      expect(env().APP).toBe(app);
      const unknown = (container!.env ?? [])
        .map((variable) => variable.name)
        .filter((variable) => !configVariables(configClass).includes(variable) && !IMAGE_VARIABLES.includes(variable));
      expect(unknown).toEqual([]);
    });

    it('starts with an environment the app accepts, in production, with nothing left to a local default', () => {
      const podEnv = env();
      expect(failingVariables(configClass, podEnv)).toEqual([]);
      const config = loadConfig(configClass, podEnv, {});
      expect(config.NODE_ENV).toBe('production');
      expect(config.OPERATOR_TOKEN).toBeDefined();
      expect(config.HTTP_HOST).toBe('0.0.0.0');
      expect(config.HTTP_PORT).toBe(port);
      expect(config.INSTANCE_ID).toBe(pod.name);
      expect(config.logFormat).toBe('json');
      const missing = variablesWithoutUsableDefault(configClass).filter((variable) => podEnv[variable] === undefined);
      expect(missing).toEqual([]);
    });

    it('has time to drain: grace period above the preStop sleep plus SHUTDOWN_TIMEOUT_MS', () => {
      const config = loadConfig(configClass, env(), {});
      const graceMs = (deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
      expect(graceMs).toBeGreaterThan(preStopSleepSeconds(container!) * 1000 + config.SHUTDOWN_TIMEOUT_MS);
    });

    it('runs locked down, with resource requests and limits', () => {
      const podSecurity = deployment.spec.template.spec.securityContext as Record<string, unknown> | undefined;
      const security = container!.securityContext as Record<string, unknown> | undefined;
      expect(podSecurity?.runAsNonRoot ?? security?.runAsNonRoot).toBe(true);
      expect(security).toEqual(
        expect.objectContaining({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: expect.objectContaining({ drop: ['ALL'] }),
        }),
      );
      const resources = container!.resources as { requests?: Record<string, string>; limits?: Record<string, string> };
      expect(Object.keys(resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(resources?.limits?.memory).toBeDefined();
    });
  });
});

// ---- .env.example ----------------------------------------------------------------------------

describe('.env.example', () => {
  const entries = parseEnvFile(readText('.env.example'));
  const active = Object.fromEntries(entries.filter((entry) => entry.active).map((entry) => [entry.name, entry.value]));

  it('documents every variable of every app, once, each with a comment', () => {
    const names = entries.map((entry) => entry.name);
    expect([...names].sort()).toEqual(allVariables());
    expect(entries.filter((entry) => !entry.comment).map((entry) => entry.name)).toEqual([]);
  });

  it('sets no secret', () => {
    for (const name of SECRETS) {
      const value = active[name] ?? '';
      if (name === 'DATABASE_URL' && value) expect(new URL(value).password).toBe('');
      else expect([name, value]).toEqual([name, '']);
    }
  });

  it('is loadable as it stands and holds the defaults (values shared by all apps only)', () => {
    expect(Object.values(active).filter((value) => /\s#|^["']/.test(value))).toEqual([]);
    for (const app of APP_NAMES) {
      const configClass = APP_CONFIGS[app];
      expect(failingVariables(configClass, active)).toEqual([]);
      const { INSTANCE_ID: _a, ...fromFile } = loadConfig(configClass, active, {});
      const { INSTANCE_ID: _b, ...defaults } = loadConfig(configClass, {}, {});
      expect(fromFile).toEqual(defaults);
    }
  });
});
