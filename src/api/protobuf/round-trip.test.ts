import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { decodeProtobufObject, encodeProtobufObject } from './index.js';

const roundTrip = (obj: KubeObject): KubeObject => decodeProtobufObject(encodeProtobufObject(obj));

test('a Deployment with a rich pod template round-trips (inline structs, IntOrString, Quantity, pointers)', () => {
  const dep: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'prod',
      labels: { app: 'web' },
      annotations: { a: 'b' },
      generation: 4,
      uid: 'u-1',
      creationTimestamp: '2024-05-01T10:20:30Z',
      finalizers: ['f'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'ux', controller: false }],
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2024-05-01T10:20:30Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
      ],
    },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 0,
      progressDeadlineSeconds: 600,
      selector: {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          nodeSelector: { disk: 'ssd' },
          securityContext: { runAsUser: 0, runAsNonRoot: false, fsGroup: 2000, supplementalGroups: [1, 2] },
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }],
              },
            },
          },
          volumes: [
            { name: 'cfg', configMap: { name: 'cm', defaultMode: 420, items: [{ key: 'k', path: 'p' }] } },
            { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
            { name: 'sec', secret: { secretName: 's', optional: false } },
            {
              name: 'proj',
              projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] },
            },
          ],
          containers: [
            {
              name: 'app',
              image: 'nginx',
              command: ['sh'],
              args: ['-c', 'x'],
              ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
                { name: 'C', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              envFrom: [{ secretRef: { name: 's' } }],
              resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
              volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 3, periodSeconds: 10 },
              readinessProbe: { tcpSocket: { port: 80 } },
              startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
              lifecycle: { preStop: { sleep: { seconds: 5 } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                readOnlyRootFilesystem: true,
              },
              imagePullPolicy: 'IfNotPresent',
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 4,
      replicas: 2,
      readyReplicas: 2,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          lastUpdateTime: '2024-05-01T10:20:31Z',
          lastTransitionTime: '2024-05-01T10:20:31Z',
          reason: 'MinimumReplicasAvailable',
          message: 'ok',
        },
      ],
    },
  };
  assert.deepEqual(roundTrip(dep), dep);
});

test('Secret bytes survive as base64 and stringData as strings', () => {
  const bin = Buffer.from([0, 1, 2, 255, 254]).toString('base64');
  const s: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    type: 'Opaque',
    immutable: false,
    data: { bin },
    stringData: { plain: 'x' },
  };
  assert.deepEqual(roundTrip(s), s);
});

test('ConfigMap binaryData round-trips', () => {
  const cm: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { a: '' },
    binaryData: { b: Buffer.from('hi').toString('base64') },
  };
  assert.deepEqual(roundTrip(cm), cm);
});

test('zero values: omitempty scalars drop, pointer and required ones stay', () => {
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', generation: 0 },
    spec: {
      backoffLimit: 0,
      parallelism: 0,
      suspend: false,
      ttlSecondsAfterFinished: 0,
      template: { metadata: {}, spec: { containers: [{ name: '', image: '', stdin: false }], restartPolicy: '' } },
    },
  };
  assert.deepEqual(roundTrip(job), {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec: {
      backoffLimit: 0,
      parallelism: 0,
      suspend: false,
      ttlSecondsAfterFinished: 0,
      template: { metadata: {}, spec: { containers: [{ name: '' }] } },
    },
  });
});

test('policy/v1 Eviction with DeleteOptions (drain) round-trips, gracePeriodSeconds 0 kept', () => {
  const ev: KubeObject = {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: 'p1', namespace: 'default' },
    deleteOptions: {
      gracePeriodSeconds: 0,
      propagationPolicy: 'Background',
      dryRun: ['All'],
      preconditions: { uid: 'u' },
    },
  };
  assert.deepEqual(roundTrip(ev), ev);
});

test('SelfSubjectAccessReview with selectors and TokenRequest with bound object round-trip', () => {
  const ssar: KubeObject = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: {
      resourceAttributes: {
        namespace: 'ns',
        verb: 'list',
        group: 'apps',
        resource: 'deployments',
        subresource: 'scale',
        labelSelector: { rawSelector: 'a=b' },
        fieldSelector: { requirements: [{ key: 'x', operator: 'In', values: ['y'] }] },
      },
    },
    status: { allowed: true, reason: 'rbac' },
  };
  assert.deepEqual(roundTrip(ssar), ssar);
  const tr: KubeObject = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name: 'sa' },
    spec: {
      audiences: ['a'],
      expirationSeconds: 3600,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' },
    },
    status: { token: 'abc', expirationTimestamp: '2030-01-01T00:00:00Z' },
  };
  assert.deepEqual(roundTrip(tr), tr);
});

test('autoscaling/v2 HPA with behavior and an Ingress with a resource backend round-trip', () => {
  const hpa: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
      ],
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
        },
      },
    },
    status: {
      currentReplicas: 1,
      desiredReplicas: 1,
      lastScaleTime: '2024-01-02T03:04:05Z',
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-01-02T03:04:05Z' }],
    },
  };
  assert.deepEqual(roundTrip(hpa), hpa);
  const ing: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'i' },
    spec: {
      rules: [
        {
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Exact',
                backend: { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b' } },
              },
            ],
          },
        },
      ],
    },
  };
  assert.deepEqual(roundTrip(ing), ing);
});

test('Time keeps seconds precision (nanos dropped, as Kubernetes JSON does)', () => {
  const ns: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'n', creationTimestamp: '2024-05-01T10:20:30.123456Z' },
  };
  assert.equal(roundTrip(ns).metadata.creationTimestamp, '2024-05-01T10:20:30Z');
});
