/**
 * The non-admin client the RBAC benches measure: namespace `bench`, its `default` ServiceAccount
 * (pods need one, and no controller runs to make it), the ServiceAccount `bench-client` bound to a
 * Role that may create, get, list and delete pods there, and a bound token for it (TokenRequest).
 */
import { type Call, must } from './https-caller.js';

export const BENCH_NAMESPACE = 'bench';
export const BENCH_SERVICE_ACCOUNT = 'bench-client';

/** Makes the client's namespace, ServiceAccount, Role and RoleBinding as `admin`; returns its token. */
export async function setUpBenchClient(admin: Call): Promise<string> {
  const ns = BENCH_NAMESPACE;
  const sa = BENCH_SERVICE_ACCOUNT;
  await must(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const name of ['default', sa])
    await must(admin, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name },
    });
  await must(admin, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pod-writer' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'delete', 'deletecollection'] }],
  });
  await must(admin, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-client' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-writer' },
    subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
  });
  const issued = await must(admin, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  return (JSON.parse(issued) as { status: { token: string } }).status.token;
}
