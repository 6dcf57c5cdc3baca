/**
 * Store benchmark: prints one JSON object with figures per backend.
 *   node --import tsx bench/store-bench.ts [--quick] [--no-etcd]
 * SQLite runs on a temp file (WAL, synchronous=NORMAL), with and without group commit; etcd runs
 * on a throwaway local etcd when the binary is available. Values are 1.5 KB, like a pod's JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/store/store.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { openEtcdStore } from '../src/store/etcd/etcd-store.js';
import { etcdAvailable, startEtcdTestServer } from '../src/store/etcd/etcd-test-server.js';

const quick = process.argv.includes('--quick');
const withEtcd = !process.argv.includes('--no-etcd') && etcdAvailable();
const value = new Uint8Array(1500).fill(97);

interface Sizes {
  sequential: number;
  concurrent: number;
  gets: number;
  listKeys: number;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000);

async function bench(store: Store, sizes: Sizes): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let ms = await timed(async () => {
    for (let i = 0; i < sizes.sequential; i++) {
      const r = await store.create(`/bench/seq/${i}`, value);
      if (!r.ok) throw new Error(`create failed: ${r.reason}`);
    }
  });
  out.sequentialCreatesPerSec = rate(sizes.sequential, ms);

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sizes.concurrent) {
      const r = await store.create(`/bench/conc/${next++}`, value);
      if (!r.ok) throw new Error(`create failed: ${r.reason}`);
    }
  };
  ms = await timed(() => Promise.all(Array.from({ length: 32 }, worker)).then(() => undefined));
  out.concurrent32CreatesPerSec = rate(sizes.concurrent, ms);

  next = 0;
  const updater = async (): Promise<void> => {
    while (next < sizes.concurrent) {
      const key = `/bench/conc/${next++}`;
      const cur = await store.get(key);
      const r = await store.update(key, value, cur?.modRevision ?? 0);
      if (!r.ok) throw new Error(`update failed: ${r.reason}`);
    }
  };
  ms = await timed(() => Promise.all(Array.from({ length: 32 }, updater)).then(() => undefined));
  out.concurrent32GetAndUpdatePerSec = rate(sizes.concurrent, ms);

  ms = await timed(async () => {
    for (let i = 0; i < sizes.gets; i++) {
      const got = await store.get(`/bench/conc/${(i * 7919) % sizes.concurrent}`);
      if (!got) throw new Error('get missed');
    }
  });
  out.getsPerSec = rate(sizes.gets, ms);

  let fill = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (fill < sizes.listKeys) await store.create(`/bench/list/${String(fill++).padStart(6, '0')}`, value);
    }),
  );
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    let n = 0;
    runs.push(await timed(async () => void (n = (await store.list('/bench/list/')).items.length)));
    if (n !== sizes.listKeys) throw new Error(`listed ${n} of ${sizes.listKeys}`);
  }
  out[`list${sizes.listKeys}KeysMs`] = Math.round(Math.min(...runs) * 10) / 10;
  const page = await timed(async () => void (await store.list('/bench/list/', { limit: 500 })));
  out.list500PageMs = Math.round(page * 10) / 10;
  out.count10kMs = Math.round((await timed(async () => void (await store.count('/bench/list/')))) * 10) / 10;
  return out;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { node: process.version, valueBytes: value.length, quick };
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
  const sqliteSizes: Sizes = quick
    ? { sequential: 2000, concurrent: 5000, gets: 5000, listKeys: 10_000 }
    : { sequential: 10_000, concurrent: 30_000, gets: 30_000, listKeys: 10_000 };
  try {
    for (const groupCommit of [true, false]) {
      const store = openSqliteStore({ path: join(dir, `gc-${groupCommit}`, 'state.db'), groupCommit });
      results[`sqlite${groupCommit ? 'GroupCommit' : 'TxnPerWrite'}`] = await bench(store, sqliteSizes);
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (withEtcd) {
    const server = await startEtcdTestServer();
    try {
      const store = openEtcdStore({ endpoints: [server.endpoint] });
      results.etcd = await bench(
        store,
        quick
          ? { sequential: 300, concurrent: 2000, gets: 1000, listKeys: 10_000 }
          : { sequential: 1000, concurrent: 5000, gets: 3000, listKeys: 10_000 },
      );
      await store.close();
    } finally {
      await server.stop();
    }
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

await main();
