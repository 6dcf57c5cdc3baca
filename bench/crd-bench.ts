/**
 * CustomResourceDefinition created -> its resource served: the time from the CRD's POST until
 * (a) discovery (/apis/<group>/v1) lists the resource and (b) a first custom object's POST is
 * accepted (201), against a `flotilla server` child process over HTTPS. Each run uses a fresh CRD.
 * Prints JSON: per-run and median/max milliseconds. Goal: <= 200 ms.
 * Usage: node --import tsx bench/crd-bench.ts [--runs 10]
 */
import { request } from 'node:https';
import { startTestServer, type TestServer } from '../test/helpers/cluster.js';

const args = process.argv.slice(2);
const i = args.indexOf('--runs');
const runs = Number(i >= 0 ? args[i + 1] : '10');

function call(server: TestServer, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${server.url}${path}`,
      {
        method,
        ca: server.caPem,
        headers: {
          authorization: `Bearer ${server.token}`,
          'content-type': 'application/json',
          ...(data ? { 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function crd(plural: string, kind: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.bench.example.com` },
    spec: {
      group: 'bench.example.com',
      scope: 'Namespaced',
      names: { plural, kind },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

async function main(): Promise<void> {
  const server = await startTestServer({ extraArgs: ['--disable-controllers'], readyTimeoutMs: 60_000 });
  const results: { discoveryMs: number; firstCreateMs: number }[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const plural = `things${run}`;
      const kind = `Thing${run}`;
      const started = performance.now();
      const code = await call(
        server,
        'POST',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        crd(plural, kind),
      );
      if (code !== 201) throw new Error(`CRD create: ${code}`);
      let discoveryMs = -1;
      let firstCreateMs = -1;
      while (firstCreateMs < 0 || discoveryMs < 0) {
        if (performance.now() - started > 30_000) throw new Error('not served within 30 s');
        if (discoveryMs < 0 && (await call(server, 'GET', '/apis/bench.example.com/v1')) === 200)
          discoveryMs = performance.now() - started;
        if (firstCreateMs >= 0) continue;
        const created = await call(server, 'POST', `/apis/bench.example.com/v1/namespaces/default/${plural}`, {
          apiVersion: 'bench.example.com/v1',
          kind,
          metadata: { name: 'first' },
        });
        if (created === 201) firstCreateMs = performance.now() - started;
      }
      results.push({ discoveryMs: Math.round(discoveryMs), firstCreateMs: Math.round(firstCreateMs) });
    }
  } finally {
    await server.stop();
  }
  const sorted = results.map((r) => r.firstCreateMs).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'crd-served',
      runs: results,
      firstCreateMs: { median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) },
      goalMs: 200,
    }),
  );
}

await main();
