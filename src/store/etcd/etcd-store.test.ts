import { after, before, describe } from 'node:test';
import { runStoreContract } from '../contract.test-suite.js';
import { openEtcdStore } from './etcd-store.js';
import { etcdAvailable, type EtcdTestServer, startEtcdTestServer } from './etcd-test-server.js';

if (!etcdAvailable()) {
  describe('Store contract: etcd', { skip: 'no etcd binary on PATH' }, () => undefined);
} else {
  let server: EtcdTestServer | undefined;
  let n = 0;
  before(async () => {
    server = await startEtcdTestServer();
  });
  after(async () => {
    await server?.stop();
  });
  runStoreContract('etcd', async () => {
    if (!server) throw new Error('etcd test server not started');
    return openEtcdStore({ endpoints: [server.endpoint], prefix: `/test-${process.pid}-${n++}` });
  });
}
