import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allResourceTypes,
  customStrategy,
  findResourceType,
  findResourceTypeByKind,
  onResourceTypesChanged,
  RESOURCE_TYPES,
  setCustomResources,
} from './resource-types.js';
import { customResourceEntries } from './kinds/custom-resource.js';
import { strategyOf } from './kinds/index.js';

test('custom resources are registered, found, announced and unregistered', () => {
  const entries = customResourceEntries({
    metadata: { name: 'gadgets.test.example.com' },
    spec: {
      group: 'test.example.com',
      scope: 'Cluster',
      names: { plural: 'gadgets', kind: 'Gadget' },
      versions: [{ name: 'v1', served: true, storage: true }],
    },
  });
  let changes = 0;
  const stop = onResourceTypesChanged(() => changes++);
  try {
    setCustomResources('gadgets.test.example.com', entries);
    const rt = findResourceType('test.example.com', 'v1', 'gadgets');
    assert.equal(rt?.kind, 'Gadget');
    assert.equal(rt?.namespaced, false);
    assert.equal(findResourceTypeByKind('test.example.com', 'v1', 'Gadget'), rt);
    assert.equal(allResourceTypes().length, RESOURCE_TYPES.length + 1);
    assert.equal(customStrategy('test.example.com', 'v1', 'Gadget'), entries[0].strategy);
    assert.equal(rt && strategyOf(rt), entries[0].strategy);
    setCustomResources('gadgets.test.example.com', []);
    assert.equal(findResourceType('test.example.com', 'v1', 'gadgets'), undefined);
    assert.equal(allResourceTypes().length, RESOURCE_TYPES.length);
    setCustomResources('gadgets.test.example.com', []); // already gone: no change announced
    assert.equal(changes, 2);
  } finally {
    stop();
    setCustomResources('gadgets.test.example.com', []);
  }
});
