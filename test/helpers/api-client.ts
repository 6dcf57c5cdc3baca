import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiHandler, type ApiHandler } from '../../src/apiserver/api-handler.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';

/** An API handler on a plain-HTTP loopback port over an in-memory store, for REST-level tests. */
export interface TestApi {
  url: string;
  store: Store;
  handler: ApiHandler;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; json: any; text: string }>;
  close(): Promise<void>;
}

export async function startTestApi(store?: Store): Promise<TestApi> {
  const s = store ?? (await openStore('memory', ''));
  const handler = await createApiHandler({ store: s });
  const server: Server = createServer((req, res) =>
    handler.handle(req, res, { name: 'admin', groups: ['system:masters'] }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store: s,
    handler,
    async request(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const r = await fetch(url + path, init);
      const text = await r.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: r.status, headers: r.headers, json, text };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
      await s.close();
    },
  };
}
