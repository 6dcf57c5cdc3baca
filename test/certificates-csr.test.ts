/**
 * certificates.k8s.io/v1 through the real kubectl, with `--authorization-mode RBAC`: a user's
 * CertificateSigningRequest approved with `kubectl certificate approve`, signed by the cluster CA
 * and used (`kubectl auth whoami`); another denied; a node client request made with the join
 * token auto-approved and signed; `flotilla kubeconfig --user` producing a working kubeconfig.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { NodeClientCertificate, NODE_CLIENT_CERT_FILE } from '../src/agent/certificates/index.js';
import { createClient } from '../src/machinery/client/index.js';
import type { ResourceRef } from '../src/machinery/client/resource-path.js';
import { createCertificateRequest } from '../src/machinery/pki/certificate-requests.js';
import {
  flotillaCommand,
  kubectl,
  kubectlVersions,
  REPO_ROOT,
  startTestServer,
  writeUserKubeconfig,
  type TestServer,
} from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;

const SELF_SUBJECT_REVIEWS: ResourceRef = {
  group: 'authentication.k8s.io',
  version: 'v1',
  plural: 'selfsubjectreviews',
  namespaced: false,
};

before(async () => {
  server = await startTestServer({ extraArgs: ['--authorization-mode', 'RBAC'], readyTimeoutMs: 60_000 });
});
after(async () => {
  await server?.stop();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

function csrManifest(name: string, csrPem: string, signer: string, usages: string[], extra = ''): string {
  return `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: ${name}
spec:
  request: ${b64(csrPem)}
  signerName: ${signer}
  usages: [${usages.map((u) => `"${u}"`).join(', ')}]
${extra}`;
}

interface CsrJson {
  spec: { username?: string; groups?: string[]; expirationSeconds?: number };
  status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

async function getCsr(name: string, kubeconfig = server.kubeconfig): Promise<CsrJson> {
  return JSON.parse(ok(await kubectl(['get', 'csr', name, '-o', 'json'], { kubeconfig }))) as CsrJson;
}

async function issued(name: string): Promise<string> {
  const b = await eventually(async () => (await getCsr(name)).status?.certificate, `${name} to be issued`);
  return Buffer.from(b, 'base64').toString();
}

const userKubeconfig = (user: string, certPem: string, keyPem: string) =>
  writeUserKubeconfig(server, user, { certPem, keyPem });

test('a user CSR: requestor from the creator, approved by kubectl, signed, usable', async () => {
  const { csr, key } = await createCertificateRequest({ commonName: 'carol', organizations: ['dev', 'qa'] });
  // spec.username set by the client is replaced by the creating user's.
  const manifest = csrManifest(
    'carol',
    csr,
    'kubernetes.io/kube-apiserver-client',
    ['client auth', 'digital signature'],
    '  expirationSeconds: 3600\n  username: mallory\n  groups: [system:masters]\n',
  );
  ok(await server.kubectl(['create', '-f', '-'], { stdin: manifest }));
  const created = await getCsr('carol');
  assert.equal(created.spec.username, 'admin');
  assert.deepEqual(created.spec.groups, ['system:masters', 'system:authenticated']);
  const table = ok(await server.kubectl(['get', 'csr', 'carol']));
  assert.match(table, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\s*$/m);
  assert.match(table, /^carol\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+admin\s+60m\s+Pending\s*$/m);
  // Not signed before approval.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await getCsr('carol')).status?.certificate, undefined);

  assert.match(
    ok(await server.kubectl(['certificate', 'approve', 'carol'])),
    /certificatesigningrequest.certificates.k8s.io\/carol approved/,
  );
  const cert = await issued('carol');
  const x = new X509Certificate(cert);
  assert.match(x.subject, /CN=carol/);
  const lifetime = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 1000;
  // One hour requested, notBefore backdated five minutes.
  assert.ok(lifetime >= 3600 && lifetime <= 3600 + 600, `lifetime ${lifetime}s`);
  assert.match(ok(await server.kubectl(['get', 'csr', 'carol'])), /Approved,Issued/);
  const described = ok(await server.kubectl(['describe', 'csr', 'carol']));
  assert.match(described, /Requesting User:\s+admin/);
  assert.match(described, /Signer:\s+kubernetes\.io\/kube-apiserver-client/);
  assert.match(described, /Status:\s+Approved,Issued/);
  assert.match(described, /Common Name:\s+carol/);
  assert.match(described, /Organization:\s+\[?dev/);
  const conditions = (await getCsr('carol')).status?.conditions ?? [];
  assert.deepEqual(
    conditions.map((c) => [c.type, c.status, c.reason]),
    [['Approved', 'True', 'KubectlApprove']],
  );

  const whoami = JSON.parse(
    ok(await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: await userKubeconfig('carol', cert, key) })),
  ) as { status: { userInfo: { username: string; groups: string[] } } };
  assert.equal(whoami.status.userInfo.username, 'carol');
  assert.deepEqual(whoami.status.userInfo.groups, ['dev', 'qa', 'system:authenticated']);
});

test('a denied CSR is never signed; approval cannot follow a denial', async () => {
  const { csr } = await createCertificateRequest({ commonName: 'dave' });
  ok(
    await server.kubectl(['create', '-f', '-'], {
      stdin: csrManifest('dave', csr, 'kubernetes.io/kube-apiserver-client', ['client auth']),
    }),
  );
  assert.match(ok(await server.kubectl(['certificate', 'deny', 'dave'])), /dave denied/);
  await new Promise((r) => setTimeout(r, 1000));
  const got = await getCsr('dave');
  assert.equal(got.status?.certificate, undefined);
  assert.deepEqual(
    got.status?.conditions?.map((c) => c.type),
    ['Denied'],
  );
  assert.match(ok(await server.kubectl(['get', 'csr', 'dave'])), /^dave\s.*\sDenied\s*$/m);
  const approve = await server.kubectl(['certificate', 'approve', 'dave', '--force']);
  assert.notEqual(approve.code, 0);
  assert.match(approve.stderr, /certificate signing request "dave" is already Denied/);
});

test('kubectl 1.27 to 1.33 approve and deny', async () => {
  for (const version of kubectlVersions()) {
    const tag = version.replace('.', '-');
    for (const verb of ['approve', 'deny'] as const) {
      const name = `${verb}-${tag}`;
      const { csr } = await createCertificateRequest({ commonName: name });
      ok(
        await server.kubectl(['create', '-f', '-'], {
          stdin: csrManifest(name, csr, 'kubernetes.io/kube-apiserver-client', ['client auth']),
        }),
      );
      assert.match(
        ok(await server.kubectl(['certificate', verb, name], { version })),
        new RegExp(`${name} ${verb === 'approve' ? 'approved' : 'denied'}`),
      );
      const types = (await getCsr(name)).status?.conditions?.map((c) => c.type);
      assert.deepEqual(types, [verb === 'approve' ? 'Approved' : 'Denied'], `kubectl ${version} ${verb}`);
    }
  }
});

test('invalid requests are refused as Kubernetes refuses them', async () => {
  const { csr } = await createCertificateRequest({ commonName: 'erin' });
  const short = await server.kubectl(['create', '-f', '-'], {
    stdin: csrManifest(
      'short',
      csr,
      'kubernetes.io/kube-apiserver-client',
      ['client auth'],
      '  expirationSeconds: 599\n',
    ),
  });
  assert.match(
    short.stderr,
    /spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds \(10 minutes\)/,
  );
  const garbage = await server.kubectl(['create', '-f', '-'], {
    stdin: csrManifest('garbage', 'not a pem', 'kubernetes.io/kube-apiserver-client', ['client auth']),
  });
  assert.match(garbage.stderr, /spec.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/);
  const noUsages = await server.kubectl(['create', '-f', '-'], {
    stdin: csrManifest('nousage', csr, 'kubernetes.io/kube-apiserver-client', []),
  });
  assert.match(noUsages.stderr, /spec.usages: Required value/);
  const masters = await createCertificateRequest({ commonName: 'eve', organizations: ['system:masters'] });
  const restricted = await server.kubectl(['create', '-f', '-'], {
    stdin: csrManifest('eve', masters.csr, 'kubernetes.io/kube-apiserver-client', ['client auth']),
  });
  assert.match(
    restricted.stderr,
    /use of kubernetes.io\/kube-apiserver-client signer with system:masters group is not allowed/,
  );
});

test('a node client CSR made with the join token is auto-approved and signed', async () => {
  const { csr, key } = await createCertificateRequest({
    commonName: 'system:node:n1',
    organizations: ['system:nodes'],
  });
  const joinConfig = await writeUserKubeconfig(server, 'bootstrap', { token: server.joinToken });
  ok(
    await kubectl(['create', '-f', '-'], {
      kubeconfig: joinConfig,
      stdin: csrManifest('node-csr-n1', csr, 'kubernetes.io/kube-apiserver-client-kubelet', [
        'digital signature',
        'client auth',
      ]),
    }),
  );
  const cert = await issued('node-csr-n1');
  const got = await getCsr('node-csr-n1');
  assert.equal(got.spec.username, 'system:node-bootstrapper');
  assert.deepEqual(
    got.status?.conditions?.map((c) => [c.type, c.reason]),
    [['Approved', 'AutoApproved']],
  );
  const whoami = JSON.parse(
    ok(await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: await userKubeconfig('n1', cert, key) })),
  ) as { status: { userInfo: { username: string; groups: string[] } } };
  assert.equal(whoami.status.userInfo.username, 'system:node:n1');
  assert.deepEqual(whoami.status.userInfo.groups, ['system:nodes', 'system:authenticated']);

  // A kubelet client request with a wrong subject is not approved by the controller.
  const wrong = await createCertificateRequest({ commonName: 'system:node:n2', organizations: ['system:masters'] });
  ok(
    await kubectl(['create', '-f', '-'], {
      kubeconfig: joinConfig,
      stdin: csrManifest('node-csr-wrong', wrong.csr, 'kubernetes.io/kube-apiserver-client-kubelet', [
        'digital signature',
        'client auth',
      ]),
    }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await getCsr('node-csr-wrong')).status?.conditions, undefined);
  // Approved by hand, the signer refuses it with a Failed condition.
  ok(await server.kubectl(['certificate', 'approve', 'node-csr-wrong']));
  const failed = await eventually(async () => {
    const c = (await getCsr('node-csr-wrong')).status?.conditions?.find((x) => x.type === 'Failed');
    return c;
  }, 'the Failed condition');
  assert.equal(failed.reason, 'SignerValidationFailure');
  assert.match(ok(await server.kubectl(['get', 'csr', 'node-csr-wrong'])), /Approved,Failed/);
});

test('flotilla kubeconfig --user alice --group dev writes a working kubeconfig', async () => {
  const out = join(server.dataDir, 'alice.kubeconfig');
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        ...flotillaCommand(),
        'kubeconfig',
        '--user',
        'alice',
        '--group',
        'dev',
        '--kubeconfig',
        server.kubeconfig,
        '--out',
        out,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await stat(out)).mode & 0o777, 0o600);
  const whoami = JSON.parse(ok(await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: out }))) as {
    status: { userInfo: { username: string; groups: string[] } };
  };
  assert.equal(whoami.status.userInfo.username, 'alice');
  assert.deepEqual(whoami.status.userInfo.groups, ['dev', 'system:authenticated']);
  // RBAC applies to the new user: nothing is granted yet.
  const pods = await kubectl(['get', 'pods'], { kubeconfig: out });
  assert.match(pods.stderr, /User "alice" cannot list resource "pods"/);
  const csrs = ok(await server.kubectl(['get', 'csr']));
  assert.match(
    csrs,
    /^user-alice-\S+\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+admin\s+<none>\s+Approved,Issued\s*$/m,
  );
});

test('approving needs approve on the signer (CertificateApproval), besides update on the approval subresource', async () => {
  const { csr: approverCsr, key } = await createCertificateRequest({ commonName: 'approver' });
  ok(
    await server.kubectl(['create', '-f', '-'], {
      stdin: csrManifest('approver', approverCsr, 'kubernetes.io/kube-apiserver-client', ['client auth']),
    }),
  );
  ok(await server.kubectl(['certificate', 'approve', 'approver']));
  const approver = await userKubeconfig('approver', await issued('approver'), key);
  ok(
    await server.kubectl([
      'create',
      'clusterrole',
      'csr-approval-writer',
      '--verb=get,list,update',
      '--resource=certificatesigningrequests,certificatesigningrequests/approval',
    ]),
  );
  ok(
    await server.kubectl([
      'create',
      'clusterrolebinding',
      'approver-writes',
      '--clusterrole=csr-approval-writer',
      '--user=approver',
    ]),
  );
  const { csr } = await createCertificateRequest({ commonName: 'frank' });
  ok(
    await server.kubectl(['create', '-f', '-'], {
      stdin: csrManifest('frank', csr, 'kubernetes.io/kube-apiserver-client', ['client auth']),
    }),
  );
  const refused = await kubectl(['certificate', 'approve', 'frank'], { kubeconfig: approver });
  assert.notEqual(refused.code, 0);
  assert.match(
    refused.stderr,
    /certificatesigningrequests.certificates.k8s.io "frank" is forbidden: user not permitted to approve requests with signerName "kubernetes.io\/kube-apiserver-client"/,
  );
  // The bootstrap role for this signer's approvers grants it.
  ok(
    await server.kubectl([
      'create',
      'clusterrolebinding',
      'approver-approves',
      '--clusterrole=system:certificates.k8s.io:kube-apiserver-client-approver',
      '--user=approver',
    ]),
  );
  await eventually(
    async () =>
      (await kubectl(['certificate', 'approve', 'frank'], { kubeconfig: approver })).code === 0 ? true : undefined,
    'approver to be allowed',
  );
  await issued('frank');
});

test('a node bootstraps its client certificate with the join token, stores it 0600 and renews it itself', async () => {
  const dataDir = join(server.dataDir, 'node-a');
  const log = pino({ level: 'silent' });
  const opts = {
    dataDir,
    nodeName: 'node-a',
    caPem: server.caPem,
    log,
    bootstrapClient: () => createClient({ server: server.url, token: server.joinToken, caPem: server.caPem }),
  };
  const certificate = await NodeClientCertificate.load(opts);
  const file = join(dataDir, NODE_CLIENT_CERT_FILE);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const first = certificate.current();
  assert.match(new X509Certificate(first.certPem).subject, /CN=system:node:node-a/);
  const client = createClient({ server: server.url, caPem: server.caPem, clientCert: certificate });
  const whoami = async () =>
    (
      (await client.create(SELF_SUBJECT_REVIEWS, '', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: {},
      })) as unknown as { status: { userInfo: { username: string; groups: string[] } } }
    ).status.userInfo;
  assert.deepEqual(await whoami(), {
    username: 'system:node:node-a',
    groups: ['system:nodes', 'system:authenticated'],
  });
  const nodeCsrs = async () =>
    (JSON.parse(ok(await server.kubectl(['get', 'csr', '-o', 'json']))) as { items: CsrJson[] }).items.filter((c) =>
      ['system:node-bootstrapper', 'system:node:node-a'].includes(c.spec.username ?? ''),
    );
  const before = (await nodeCsrs()).length;

  // A restart reuses the stored certificate: no new request.
  const again = await NodeClientCertificate.load(opts);
  assert.equal(again.current().certPem.trim(), first.certPem.trim());
  assert.equal((await nodeCsrs()).length, before);

  // Renewal: the node asks with its own certificate (selfnodeclient), auto-approved; the client switches.
  await certificate.renewOnce(client);
  assert.notEqual(certificate.current().certPem, first.certPem);
  assert.equal(await readFile(file, 'utf8').then((t) => t.includes(certificate.current().certPem.trim())), true);
  const renewal = (await nodeCsrs()).find((c) => c.spec.username === 'system:node:node-a');
  assert.ok(renewal, 'the renewal CSR is made by the node itself');
  assert.deepEqual(
    renewal.status?.conditions?.map((c) => [c.type, c.reason]),
    [['Approved', 'AutoApproved']],
  );
  assert.equal((await whoami()).username, 'system:node:node-a');
  await client.close();
});
