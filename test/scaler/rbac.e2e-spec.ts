import { byKind, kustomize, schemaErrors, type Workload } from '../deploy/support';

/**
 * The scaler's Kubernetes identity: a ServiceAccount bound to a Role that allows reading and
 * setting the scale subresource of Deployments, nothing else; the scaler's pods (and only
 * they) run as it. Validated against the Kubernetes schemas (kubernetes-models).
 */

describe.each(['k8s/base', 'k8s/overlays/local'])('scaler RBAC in %s', (dir: string) => {
  const objects = kustomize(dir);
  const namespace = dir === 'k8s/base' ? undefined : 'evento';
  const named = (kind: string) => byKind(objects, kind).filter((o) => o.metadata.name === 'evento-scaler');

  it('has a ServiceAccount, a Role and a RoleBinding, valid for their Kubernetes schemas', () => {
    const rbac = [...named('ServiceAccount'), ...named('Role'), ...named('RoleBinding')];
    expect(rbac.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding']);
    expect(Object.values(schemaErrors(rbac))).toEqual([[], [], []]);
    expect(byKind(objects, 'ClusterRole')).toEqual([]);
    expect(byKind(objects, 'ClusterRoleBinding')).toEqual([]);
  });

  it('allows get, patch and update of deployments/scale and nothing more', () => {
    const [role] = named('Role') as unknown as Array<{ rules: Array<Record<string, string[]>> }>;
    expect(role.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch', 'update'] },
    ]);
  });

  it('binds the Role to the scaler ServiceAccount of its own namespace', () => {
    const [binding] = named('RoleBinding') as unknown as Array<{
      roleRef: Record<string, string>;
      subjects: Array<Record<string, string>>;
    }>;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'evento-scaler' });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'evento-scaler', ...(namespace ? { namespace } : {}) },
    ]);
  });

  it('runs the scaler pods, and only them, as that ServiceAccount with its token mounted', () => {
    const deployments = byKind<Workload>(objects, 'Deployment');
    const users = deployments.filter(
      (d) => (d.spec.template.spec as { serviceAccountName?: string }).serviceAccountName === 'evento-scaler',
    );
    expect(users.map((d) => d.metadata.name)).toEqual(['evento-scaler']);
    const spec = users[0].spec.template.spec as { automountServiceAccountToken?: boolean };
    expect(spec.automountServiceAccountToken).toBe(true);
    for (const other of deployments.filter((d) => d.metadata.name !== 'evento-scaler')) {
      const otherSpec = other.spec.template.spec as { automountServiceAccountToken?: boolean };
      expect([other.metadata.name, otherSpec.automountServiceAccountToken]).toEqual([other.metadata.name, false]);
    }
  });
});
