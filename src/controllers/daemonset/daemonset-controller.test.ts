import type { Node } from 'kubernetes-types/core/v1.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { newRevision } from '../history/controller-revision.js';
import { GenerateNameFakeClient } from '../replicaset/fake-cluster.js';
import { DaemonSetController } from './daemonset-controller.js';
import { CONTROLLER_REVISIONS, DAEMONSETS, NODES, PODS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

const log = pino({ level: 'silent' });
const TEMPLATE = { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
const OWNER = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  name: 'agent',
  uid: 'ds-uid',
  controller: true,
  blockOwnerDeletion: true,
};

function daemonSet(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'n', uid: 'ds-uid', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: TEMPLATE,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
  };
}

const node = (name: string, labels: Record<string, string> = {}): ObjectOf<Node> => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
});

function daemonPod(name: string, nodeName: string, hash: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'n',
      uid: `uid-${name}`,
      labels: { app: 'agent', 'controller-revision-hash': hash, 'pod-template-generation': '0' },
      ownerReferences: [OWNER],
    },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox:0' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    },
  };
}

async function setup(nodes: KubeObject[], pods: KubeObject[] = [], revisions: KubeObject[] = []) {
  const fake = new GenerateNameFakeClient();
  fake.seed(DAEMONSETS, daemonSet());
  fake.seed(NODES, ...nodes);
  fake.seed(PODS, ...pods);
  fake.seed(CONTROLLER_REVISIONS, ...revisions);
  const daemonSets = new Informer(fake, DAEMONSETS, { log });
  const podInformer = new Informer(fake, PODS, { log });
  const nodeInformer = new Informer(fake, NODES, { log });
  const revisionInformer = new Informer(fake, CONTROLLER_REVISIONS, { log });
  const informers = [daemonSets, podInformer, nodeInformer, revisionInformer];
  for (const i of informers) i.start();
  await Promise.all(informers.map((i) => i.waitForSync()));
  const recorder = new RecordingEventRecorder();
  const ctrl = new DaemonSetController({
    client: fake,
    daemonSets,
    pods: podInformer,
    nodes: nodeInformer,
    revisions: revisionInformer,
    recorder,
    log,
    now: () => Date.parse('2024-01-01T01:00:00Z'),
  });
  podInformer.addHandlers(ctrl.observePod);
  return { fake, ctrl, recorder, stop: () => Promise.all(informers.map((i) => i.stop())) };
}

const summary = (a: { verb: string; resource: string; subresource?: string; name: string }) =>
  `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`;

test('first sync: a revision, one pinned pod per node, then status', async () => {
  const { fake, ctrl, stop } = await setup([node('n1'), node('n2')]);
  await ctrl.reconcile({ namespace: 'n', name: 'agent' });
  const rev = newRevision(daemonSet(), TEMPLATE, { hashLabel: 'hash', revision: 1, collisionCount: 0 });
  const hash = rev.metadata.labels?.['controller-revision-hash'] ?? '';
  assert.deepEqual(fake.actions.map(summary), [
    `create controllerrevisions agent-${hash}`,
    'create pods ',
    'create pods ',
    'update daemonsets/status agent',
  ]);
  assert.deepEqual(fake.actions[0].body, rev);
  const pinned = fake.actions.slice(1, 3).map(
    (a) =>
      (
        a.body as {
          spec: {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: { matchFields: { values: string[] }[] }[];
                };
              };
            };
          };
        }
      ).spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0]
        .values[0],
  );
  assert.deepEqual(pinned, ['n1', 'n2']);
  assert.deepEqual((fake.actions[1].body as KubeObject).metadata.labels, {
    app: 'agent',
    'controller-revision-hash': hash,
    'pod-template-generation': '1',
  });
  assert.deepEqual((fake.actions[3].body as { status: unknown }).status, {
    currentNumberScheduled: 0,
    desiredNumberScheduled: 2,
    numberMisscheduled: 0,
    numberReady: 0,
    numberAvailable: 0,
    updatedNumberScheduled: 0,
    observedGeneration: 1,
    numberUnavailable: 2,
  });
  await stop();
});

test('creates not yet observed (expectations pending): the sync writes status only; once observed it acts again', async () => {
  const { fake, ctrl, stop } = await setup([node('n1')]);
  ctrl.expectations.expect('n/agent', 1, []);
  await ctrl.reconcile({ namespace: 'n', name: 'agent' });
  assert.deepEqual(fake.actions.map(summary).slice(1), ['update daemonsets/status agent']);
  ctrl.expectations.creationObserved('n/agent');
  await ctrl.reconcile({ namespace: 'n', name: 'agent' });
  assert.deepEqual(fake.actions.filter((a) => a.resource === 'pods').map(summary), ['create pods ']);
  await stop();
});

test('rolling update: with maxUnavailable 1 one old pod is deleted per sync', async () => {
  const { fake, ctrl, recorder, stop } = await setup(
    [node('n1'), node('n2')],
    [daemonPod('agent-a', 'n1', 'old'), daemonPod('agent-b', 'n2', 'old')],
  );
  await ctrl.reconcile({ namespace: 'n', name: 'agent' });
  assert.deepEqual(fake.actions.map(summary).slice(1), ['delete pods agent-a', 'update daemonsets/status agent']);
  assert.deepEqual(fake.actions[1].body, { preconditions: { uid: 'uid-agent-a' } });
  const st = (fake.actions[2].body as { status: Record<string, number> }).status;
  assert.deepEqual(
    [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.updatedNumberScheduled],
    [2, 2, 2, 0],
  );
  assert.deepEqual(recorder.events, ['Normal SuccessfulDelete Deleted pod: agent-a']);
  await stop();
});

test('node events: a new or changed node wakes every DaemonSet, a heartbeat-only update none, a deleted node all', async () => {
  const { fake, ctrl, stop } = await setup([node('n1')]);
  const n1 = await fake.get(NODES, '', 'n1');
  assert.deepEqual(ctrl.keysForNode(n1), [{ namespace: 'n', name: 'agent' }], 'first sight');
  assert.deepEqual(
    ctrl.keysForNode({ ...n1, status: { conditions: [{ type: 'Ready', status: 'True' }] } }),
    [],
    'heartbeat',
  );
  assert.deepEqual(
    ctrl.keysForNode({ ...n1, spec: { taints: [{ key: 'k', effect: 'NoExecute' }] } }),
    [{ namespace: 'n', name: 'agent' }],
    'taint',
  );
  await fake.delete(NODES, '', 'n1');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ctrl.keysForNode(n1), [{ namespace: 'n', name: 'agent' }], 'deleted');
  await stop();
});
