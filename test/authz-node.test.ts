/**
 * `--authorization-mode Node,RBAC` with a real agent holding a node certificate
 * (`system:node:<name>`, O=system:nodes): its pod with a Secret and a ConfigMap volume runs, logs
 * and exec work (the API server presents its client certificate, the agent asks
 * SubjectAccessReview); the node reads the Secret of its pod and no other; NodeRestriction keeps it
 * to its own Node (no node-restriction.kubernetes.io labels) and its own pods' status; another node
 * cannot redirect this node's traffic (the issue's rogue-node redirect: neither its own genuine
 * serving certificate nor a foreign CA's is accepted for this node); the join token alone cannot
 * read a Secret.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import { ClientError } from '../src/machinery/client/client-error.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { CONFIG_MAPS, NODES, PODS, SECRETS } from '../src/machinery/resources/well-known.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { issueClientCertificate, startRealNode, type RealNode } from './helpers/real-node.js';
import { nodeServingRequest, requestCertificate } from '../src/agent/certificates/index.js';

let node: RealNode;
let admin: KubeClient;
let rogue: KubeClient;
const OTHER_NODE = 'other-node';

before(async () => {
  node = await startRealNode({
    name: 'nodeauthz',
    server: { extraArgs: ['--authorization-mode', 'Node,RBAC'] },
    credentials: 'node-certificate',
  });
  admin = createClient({ server: node.server.url, caPem: node.server.caPem, token: node.server.token });
  rogue = createClient({
    server: node.server.url,
    caPem: node.server.caPem,
    clientCert: await issueClientCertificate(node.server.dataDir, 'CN=system:node:rogue, O=system:nodes'),
  });
  const secret = (name: string, value: string) => ({
    apiVersion: 'v1' as const,
    kind: 'Secret' as const,
    metadata: { name },
    data: { key: Buffer.from(value).toString('base64') },
  });
  await admin.create(SECRETS, 'default', secret('app-secret', 'secret-value'));
  await admin.create(SECRETS, 'default', secret('other-secret', 'not-for-nodes'));
  await admin.create(CONFIG_MAPS, 'default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'app-config' },
    data: { key: 'config-value' },
  });
  await admin.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: OTHER_NODE } });
});

after(async () => {
  await rogue?.close();
  await admin?.close();
  await node?.stop();
});

/** The 403 a call must end with; `message` matched against the Status message. */
async function forbidden(call: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof ClientError, String(e));
    assert.equal(e.code, 403, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('the pod with a Secret and a ConfigMap volume runs; logs and exec work', async () => {
  await admin.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app' },
    spec: {
      nodeName: node.nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: 'busybox',
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'cat /s/key; echo; cat /c/key; echo; sleep 3600'],
          volumeMounts: [
            { name: 's', mountPath: '/s' },
            { name: 'c', mountPath: '/c' },
          ],
        },
      ],
      volumes: [
        { name: 's', secret: { secretName: 'app-secret' } },
        { name: 'c', configMap: { name: 'app-config' } },
      ],
    },
  });
  await node.waitForPod('app', (p) => p.status?.phase === 'Running', 60_000);
  const logs = await node.kubectl(['logs', 'app']);
  assert.match(logs, /secret-value/);
  assert.match(logs, /config-value/);
  assert.equal((await node.kubectl(['exec', 'app', '--', 'cat', '/c/key'])).trim(), 'config-value');
});

test("the node reads its pod's Secret, not another one", async () => {
  const got = await node.client.get(SECRETS, 'default', 'app-secret');
  assert.equal(got.metadata.name, 'app-secret');
  await forbidden(
    node.client.get(SECRETS, 'default', 'other-secret'),
    new RegExp(
      `secrets "other-secret" is forbidden: User "system:node:${node.nodeName}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${node.nodeName}' and this object`,
    ),
  );
  await forbidden(node.client.list(SECRETS, 'default'), /cannot list resource "secrets"/);
  await forbidden(
    node.client.create(SECRETS, 'kube-system', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `flotilla-agent-${node.nodeName}` },
    }),
    /cannot create resource "secrets"/,
  );
});

test('NodeRestriction: not another Node, not node-restriction labels, not another node’s pod status', async () => {
  await forbidden(
    node.client.patch(NODES, '', OTHER_NODE, 'merge', { metadata: { labels: { a: 'b' } } }),
    new RegExp(
      `nodes "${OTHER_NODE}" is forbidden: node "${node.nodeName}" is not allowed to modify node "${OTHER_NODE}"`,
    ),
  );
  await forbidden(
    node.client.patch(NODES, '', node.nodeName, 'merge', {
      metadata: { labels: { 'node-restriction.kubernetes.io/trusted': 'yes' } },
    }),
    /is not allowed to modify labels: node-restriction.kubernetes.io\/trusted/,
  );
  // Its own labels outside the restricted domains are fine.
  await node.client.patch(NODES, '', node.nodeName, 'merge', { metadata: { labels: { 'example.com/tier': 'a' } } });

  await admin.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'elsewhere' },
    spec: { nodeName: OTHER_NODE, containers: [{ name: 'c', image: 'busybox' }] },
  });
  await forbidden(
    node.client.patch(
      PODS,
      'default',
      'elsewhere',
      'merge',
      { status: { phase: 'Failed' } },
      { subresource: 'status' },
    ),
    new RegExp(
      `pods "elsewhere" is forbidden: node "${node.nodeName}" can only update pod status for pods with spec.nodeName set to itself`,
    ),
  );
  await forbidden(
    node.client.delete(PODS, 'default', 'elsewhere'),
    /can only delete pods with spec.nodeName set to itself/,
  );
});

test('tokens only for ServiceAccounts of its pods, bound to its pods', async () => {
  const app = await admin.get(PODS, 'default', 'app');
  const elsewhere = await admin.get(PODS, 'default', 'elsewhere');
  const sa = { group: '', version: 'v1', plural: 'serviceaccounts/default', namespaced: true };
  const request = (pod: { metadata: { name?: string; uid?: string } }) => ({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: {},
    spec: {
      audiences: [],
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
    },
  });
  const issued = (await node.client.create(sa, 'default', request(app), { subresource: 'token' })) as {
    status?: { token?: string };
  };
  assert.ok(issued.status?.token, 'a token for its own pod');
  await forbidden(
    node.client.create(sa, 'default', request(elsewhere), { subresource: 'token' }),
    /serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node/,
  );
  await forbidden(
    node.client.create(sa, 'default', { ...request(app), spec: { audiences: [] } }, { subresource: 'token' }),
    /node requested token not bound to a pod/,
  );
});

test('the rogue-node redirect fails', async () => {
  // The attacker's node gets a genuine serving certificate for itself: it sets its own Node's
  // address to 127.0.0.1 (a node may write its own Node) and asks for it through a kubelet-serving
  // CertificateSigningRequest, which the approver approves (its own name and address).
  await rogue.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'rogue' } });
  await rogue.patch(
    NODES,
    '',
    'rogue',
    'merge',
    { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } },
    { subresource: 'status' },
  );
  const genuine = await requestCertificate(
    rogue,
    nodeServingRequest('rogue', { dnsNames: ['rogue'], ipAddresses: ['127.0.0.1'] }),
    { timeoutMs: 30_000 },
  );
  // And a listener with a CA of its own, whose certificate claims this node.
  const ownCa = await issueCa(1);
  const forged = await issueLeaf(ownCa, {
    subject: `CN=system:node:${node.nodeName}`,
    usage: 'server',
    names: { dns: [node.nodeName], ips: ['127.0.0.1'] },
    validDays: 1,
  });
  let reached = 0;
  const listen = async (cert: string, key: string) => {
    const l = createServer({ cert, key }, (_req, res) => {
      reached++;
      res.end('rogue text\n');
    });
    await new Promise<void>((r) => l.listen(0, '127.0.0.1', r));
    return l;
  };
  const genuineListener = await listen(genuine.certPem, genuine.keyPem);
  const listeners = [genuineListener, await listen(forged.cert, forged.key)];
  const portOf = (l: (typeof listeners)[number]) => (l.address() as AddressInfo).port;
  const live = await admin.get(NODES, '', node.nodeName);
  const savedPort = live.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const setPort = (c: KubeClient, port: number | undefined) =>
    c.patch(
      NODES,
      '',
      node.nodeName,
      'merge',
      { status: { daemonEndpoints: { kubeletEndpoint: { Port: port } } } },
      { subresource: 'status' },
    );
  try {
    // Another node may not rewrite this node's address or port...
    await forbidden(
      setPort(rogue, portOf(genuineListener)),
      new RegExp(`node "rogue" is not allowed to modify node "${node.nodeName}"`),
    );
    // ...nor publish credentials in kube-system as the old agents did.
    await forbidden(
      rogue.create(SECRETS, 'kube-system', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `flotilla-agent-${node.nodeName}` },
      }),
      /forbidden/,
    );
    assert.match(await node.kubectl(['logs', 'app']), /secret-value/);

    // Even with this node's port pointed at the attacker's listeners (only an admin can), neither
    // the rogue node's genuine certificate (cluster CA, another node) nor one of another CA that
    // claims this node is accepted: the logs never come from the rogue listeners.
    for (const l of listeners) {
      await setPort(admin, portOf(l));
      const r = await node.server.kubectl(['logs', 'app']);
      assert.notEqual(r.code, 0, r.stdout);
      assert.doesNotMatch(r.stdout, /rogue text/);
    }
    assert.equal(reached, 0, 'the API server sent no request to the rogue listeners');
  } finally {
    await setPort(admin, savedPort);
    for (const l of listeners) await new Promise<void>((r) => l.close(() => r()));
  }
  assert.match(await node.kubectl(['logs', 'app']), /secret-value/);
});

test('a stolen join token cannot read a Secret', async () => {
  const stolen = createClient({ server: node.server.url, caPem: node.server.caPem, token: node.server.joinToken });
  try {
    await forbidden(stolen.get(SECRETS, 'default', 'app-secret'), /forbidden/);
    await forbidden(stolen.list(SECRETS, ''), /forbidden/);
    await forbidden(stolen.get(SECRETS, 'kube-system', `flotilla-agent-${node.nodeName}`), /forbidden/);
  } finally {
    await stolen.close();
  }
  // Naming the node beside the token does not make it that node under the Node authorizer.
  const res = await fetch(`${node.server.url}/api/v1/namespaces/default/secrets/app-secret`, {
    headers: { authorization: `Bearer ${node.server.joinToken}`, 'x-flotilla-node-name': node.nodeName },
    dispatcher: new Agent({ connect: { ca: node.server.caPem } }),
  });
  assert.equal(res.status, 403);
  assert.match(((await res.json()) as { message: string }).message, /User "system:node-bootstrapper" cannot get/);
});
