import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostDevices, splitDev } from './host-devices.js';

/** glibc's makedev. */
const makedev = (major: bigint, minor: bigint): bigint =>
  ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);

test('splitDev decodes glibc dev_t numbers, large ones too', () => {
  assert.deepEqual(splitDev(0x0103n), { major: 1, minor: 3 }); // /dev/null
  assert.deepEqual(splitDev(makedev(10n, 232n)), { major: 10, minor: 232 });
  assert.deepEqual(splitDev(makedev(0x123abcn, 0x67845n)), { major: 0x123abc, minor: 0x67845 });
});

test("hostDevices lists this host's /dev/null and skips /dev/pts and the console", async () => {
  const devs = await hostDevices();
  assert.deepEqual(
    devs.find((d) => d.path === '/dev/null'),
    { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  );
  assert.ok(!devs.some((d) => d.path.startsWith('/dev/pts/') || d.path === '/dev/console'));
});
