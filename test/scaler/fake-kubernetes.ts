import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

const SCALE_PATH = /^\/apis\/apps\/v1\/namespaces\/([a-z0-9-]+)\/deployments\/([a-z0-9.-]+)\/scale$/;

/**
 * The one acceptable fake (there is no cluster here): a Kubernetes API server for the scale
 * subresource of Deployments, speaking the real HTTP API: GET and PATCH (JSON merge patch) on
 * /apis/apps/v1/namespaces/<ns>/deployments/<name>/scale, bearer-token auth, Status objects
 * for errors, autoscaling/v1 Scale objects for answers.
 */
export class FakeKubernetes {
  readonly requests: RecordedRequest[] = [];
  /** Replica count per `namespace/name`; a Deployment not listed does not exist. */
  readonly deployments = new Map<string, number>();
  /** `namespace/name` of Deployments the token may read but not patch (403). */
  readonly forbidden = new Set<string>();
  private server?: Server;
  /** PEM of the self-signed certificate the server presents (the kubeconfig trusts it). */
  private certificate?: string;

  constructor(readonly token: string) {}

  get url(): string {
    const scheme = this.certificate ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Serves HTTPS like an API server, with a certificate made by openssl in `dir`. */
  async start(dir: string): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const tls = selfSignedCertificate(dir);
    if (tls) {
      this.certificate = tls.cert;
      this.server = createHttpsServer(tls, handler);
    } else {
      // Without openssl: plain HTTP, which the client accepts only with insecure-skip-tls-verify.
      this.server = createHttpServer(handler);
    }
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** A kubeconfig file pointing at this server with the given token. */
  kubeconfig(dir: string, token = this.token): string {
    const path = join(dir, `kubeconfig-${token.slice(0, 6)}.yaml`);
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: fake',
        '    cluster:',
        `      server: ${this.url}`,
        this.certificate
          ? `      certificate-authority-data: ${Buffer.from(this.certificate).toString('base64')}`
          : '      insecure-skip-tls-verify: true',
        'users:',
        '  - name: scaler',
        '    user:',
        `      token: ${token}`,
        'contexts:',
        '  - name: fake',
        '    context:',
        '      cluster: fake',
        '      user: scaler',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return path;
  }

  patches(deployment?: string): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === 'PATCH' && (!deployment || r.path.endsWith(`/${deployment}/scale`)),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // kept as text
    }
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body,
    });

    if (req.headers.authorization !== `Bearer ${this.token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const match = SCALE_PATH.exec(url.pathname);
    if (!match) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const [, namespace, name] = match;
    const key = `${namespace}/${name}`;
    if (req.method === 'PATCH' && this.forbidden.has(key)) {
      return status(
        res,
        403,
        'Forbidden',
        `deployments.apps "${name}" is forbidden: User "system:serviceaccount:evento:evento-scaler" cannot patch resource "deployments/scale" in API group "apps" in the namespace "${namespace}"`,
      );
    }
    const replicas = this.deployments.get(key);
    if (replicas === undefined) return status(res, 404, 'NotFound', `deployments.apps "${name}" not found`);
    if (req.method === 'GET') return scale(res, namespace, name, replicas);
    if (req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/merge-patch+json') {
        return status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format`);
      }
      const wanted = (body as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
      if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 0) {
        return status(res, 422, 'Invalid', 'spec.replicas: Invalid value');
      }
      this.deployments.set(key, wanted);
      return scale(res, namespace, name, wanted);
    }
    return status(res, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
}

function selfSignedCertificate(dir: string): { key: string; cert: string } | undefined {
  const key = join(dir, 'api-key.pem');
  const cert = join(dir, 'api-cert.pem');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
        '-subj',
        '/CN=kubernetes',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, code: number, body: object): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function scale(res: ServerResponse, namespace: string, name: string, replicas: number): void {
  send(res, 200, {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, resourceVersion: String(Date.now()) },
    spec: { replicas },
    status: { replicas, selector: `app=${name}` },
  });
}
