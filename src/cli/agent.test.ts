import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageGCFlags } from './agent.js';

test('flotilla agent flags: strings checked and turned into the policy', async () => {
  assert.deepEqual(await imageGCFlags({}), { highThresholdPercent: 85, lowThresholdPercent: 80 });
  assert.deepEqual(await imageGCFlags({ imageGcHighThreshold: '1', imageGcLowThreshold: '0' }), {
    highThresholdPercent: 1,
    lowThresholdPercent: 0,
  });
  await assert.rejects(
    imageGCFlags({ imageGcHighThreshold: '9O' }),
    /--image-gc-high-threshold must be an integer percent between 0 and 100, got "9O"/,
  );
  await assert.rejects(imageGCFlags({ imageGcHighThreshold: '2.5' }), /got "2.5"/);
  await assert.rejects(
    imageGCFlags({ imageGcHighThreshold: '60' }),
    /--image-gc-low-threshold \(80\) must be less than --image-gc-high-threshold \(60\)/,
  );
});
