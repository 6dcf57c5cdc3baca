import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCE_TYPES } from '../../api/resource-types.js';
import { findSubresource, SUBRESOURCES, subresourcesOf } from './subresources.js';

test('the table serves exactly the subresources each resource type declares (what OpenAPI publishes), in order', () => {
  for (const rt of RESOURCE_TYPES)
    assert.deepEqual(Object.keys(subresourcesOf(rt)), rt.subresources, `${rt.group}/${rt.plural}`);
  for (const [group, resources] of Object.entries(SUBRESOURCES))
    for (const plural of Object.keys(resources))
      assert.ok(
        RESOURCE_TYPES.some((rt) => rt.group === group && rt.plural === plural),
        `${group}/${plural} is a served resource`,
      );
});

test('lookups: served, absent, and inherited object keys are not subresources', () => {
  assert.ok(findSubresource({ group: 'apps', plural: 'deployments' }, 'scale')?.update);
  assert.ok(findSubresource({ group: '', plural: 'pods' }, 'exec')?.upgrade);
  assert.equal(findSubresource({ group: 'apps', plural: 'daemonsets' }, 'scale'), undefined);
  assert.equal(findSubresource({ group: '', plural: 'pods' }, 'constructor'), undefined);
  assert.equal(findSubresource({ group: 'nope', plural: 'pods' }, 'status'), undefined);
  assert.equal(findSubresource({ group: 'constructor', plural: 'name' }, '0'), undefined);
});

test('discovery verbs have handlers, except where Flotilla does not serve the subresource yet', () => {
  const notServed = new Set(['proxy', 'token']);
  for (const resources of Object.values(SUBRESOURCES))
    for (const [plural, subs] of Object.entries(resources))
      for (const [name, s] of Object.entries(subs)) {
        if (notServed.has(name) || s.upgrade) continue;
        for (const verb of s.verbs) {
          const served = verb === 'get' ? (s.get ?? s.connect) : s[verb as 'create' | 'update' | 'patch'];
          assert.ok(served, `${plural}/${name} ${verb}`);
        }
      }
});
