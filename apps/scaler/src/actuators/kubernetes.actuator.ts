import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Injectable } from '@nestjs/common';
import { ScalerConfig } from '../config/scaler.config';
import { ActuatorError, type ActuatorRequest, type ActuatorResult } from './actuator';

/** Who changed the replica count, as Kubernetes records it (managedFields). */
const FIELD_MANAGER = 'evento-scaler';

/**
 * Sets the replica count of the bundle's Deployment through its scale subresource (a JSON
 * merge patch of `spec.replicas`), which is all the scaler's Role allows. Credentials: the
 * file in KUBECONFIG when set, else the pod's service account in a cluster, else the usual
 * kubeconfig lookup. Kubernetes picks the pods to remove on scale-down and sends them SIGTERM,
 * on which bundle instances drain.
 */
@Injectable()
export class KubernetesActuator {
  private api?: AppsV1Api;

  constructor(private readonly config: ScalerConfig) {}

  async scale(request: ActuatorRequest): Promise<ActuatorResult> {
    const { namespace, deployment } = request.policy.actuator;
    if (!namespace || !deployment) throw new ActuatorError('The policy names no Deployment');
    const api = this.client();
    const before = await this.call(`read deployments/${deployment}/scale in ${namespace}`, () =>
      api.readNamespacedDeploymentScale({ name: deployment, namespace }),
    );
    const after = await this.call(`patch deployments/${deployment}/scale in ${namespace}`, () =>
      api.patchNamespacedDeploymentScale(
        { name: deployment, namespace, body: { spec: { replicas: request.target } }, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    return {
      output: `deployment ${namespace}/${deployment}: replicas ${before.spec?.replicas ?? '?'} -> ${after.spec?.replicas ?? '?'}`,
    };
  }

  private client(): AppsV1Api {
    if (!this.api) {
      const kubeConfig = new KubeConfig();
      if (this.config.KUBECONFIG) kubeConfig.loadFromFile(this.config.KUBECONFIG);
      else kubeConfig.loadFromDefault();
      this.api = kubeConfig.makeApiClient(AppsV1Api);
    }
    return this.api;
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    const timeoutMs = this.config.KUBERNETES_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new ActuatorError(`Kubernetes: ${what} timed out after ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof ActuatorError) throw error;
      throw new ActuatorError(`Kubernetes: ${what} failed: ${describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The API's status message when there is one (never the request, which carries the token). */
function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && 'body' in error) {
    const { code, body } = error as { code: number; body: unknown };
    let message: string;
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string } | undefined;
      message = parsed?.message ?? '';
    } catch {
      message = typeof body === 'string' ? body.slice(0, 300) : '';
    }
    return `HTTP ${code}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
