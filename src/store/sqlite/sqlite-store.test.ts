import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStoreContract } from '../contract.test-suite.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreContract('sqlite (group commit)', async () => openSqliteStore({ path: join(dir, `g${n++}`, 'state.db') }));
runStoreContract('sqlite (one transaction per write)', async () =>
  openSqliteStore({ path: join(dir, `s${n++}`, 'state.db'), groupCommit: false }),
);
