/** Realistic manifests shared by the schema tests (as kubectl would send them after YAML decoding). */
export function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'busybox:1.36',
              command: ['httpd', '-f', '-p', '8080'],
              ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }],
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }],
          terminationGracePeriodSeconds: 10,
        },
      },
    },
    status: {
      replicas: 3,
      conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    },
  };
}

export function service(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 },
        { port: 443, targetPort: 'https' },
      ],
    },
    status: { loadBalancer: {} },
  };
}

export function pod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      uid: 'b1f0',
      resourceVersion: '12',
      creationTimestamp: '2024-01-01T00:00:00Z',
      labels: { app: 'web', 'pod-template-hash': 'abc' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-abc',
          uid: 'u1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2024-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } } },
        },
      ],
    },
    spec: {
      nodeName: 'n1',
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      securityContext: { runAsUser: 1000, fsGroup: 2000 },
      containers: [
        {
          name: 'c',
          image: 'busybox',
          args: ['sleep', '3600'],
          ports: [{ containerPort: 80 }],
          securityContext: { capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
          livenessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 1 },
        },
      ],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
          },
        },
      },
    },
    status: {
      phase: 'Running',
      podIP: '10.42.0.5',
      podIPs: [{ ip: '10.42.0.5' }],
      hostIP: '10.0.0.1',
      startTime: '2024-01-01T00:00:00Z',
      qosClass: 'BestEffort',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-01-01T00:00:01Z' }],
      containerStatuses: [
        {
          name: 'c',
          ready: true,
          restartCount: 0,
          image: 'busybox',
          imageID: 'sha256:1',
          containerID: 'runc://1',
          started: true,
          state: { running: { startedAt: '2024-01-01T00:00:01Z' } },
          lastState: {},
        },
      ],
    },
  };
}
