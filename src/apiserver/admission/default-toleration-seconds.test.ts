import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.js';
import { addDefaultTolerations } from './default-toleration-seconds.js';

const pod = (tolerations?: unknown[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { containers: [], ...(tolerations ? { tolerations } : {}) },
});

test('adds not-ready and unreachable NoExecute tolerations with the configured seconds', () => {
  const p = pod();
  addDefaultTolerations(p, { notReady: 5, unreachable: 7 });
  assert.deepEqual((p.spec as { tolerations: unknown[] }).tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 },
  ]);
});

test("keeps the pod's own tolerations, and adds nothing for taints already tolerated", () => {
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 };
  const p = pod([own]);
  addDefaultTolerations(p, { notReady: 5, unreachable: 5 });
  assert.deepEqual((p.spec as { tolerations: unknown[] }).tolerations, [
    own,
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
  ]);
  const everything = pod([{ operator: 'Exists' }]);
  addDefaultTolerations(everything, { notReady: 5, unreachable: 5 });
  assert.deepEqual((everything.spec as { tolerations: unknown[] }).tolerations, [{ operator: 'Exists' }]);
});
