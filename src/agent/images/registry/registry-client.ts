import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { parseAuthChallenges } from './auth-challenge.js';
import type { RegistryCredential } from './docker-config.js';
import type { RegistryEndpoint } from './endpoints.js';
import { MANIFEST_ACCEPT } from './media-types.js';

/** A registry answered with an error (status set) or could not be reached (status undefined). */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RegistryClientOptions {
  endpoint: RegistryEndpoint;
  /** Repository on the registry (`library/busybox`). */
  repository: string;
  /** Sent as Basic auth, or to the token realm for a Bearer token; undefined = anonymous. */
  credential?: RegistryCredential;
  /** Time to wait for response headers, and for each body chunk (default 30 s). */
  timeoutMs?: number;
}

/** A fetched manifest: raw bytes (hashed for the digest), Content-Type and sha256 digest. */
export interface FetchedManifest {
  body: Buffer;
  contentType?: string;
  digest: string;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * A client of the OCI distribution API for one repository on one endpoint (plain HTTP or HTTPS,
 * with the endpoint's TLS settings). Authentication follows the registry's 401 challenge: Basic
 * with the credential, or Bearer with a token from the challenge's realm (service and scope as
 * given, fetched with the credential as Basic auth when there is one, anonymously otherwise); the
 * token is reused for later requests. Redirects (blob storage) are followed without the
 * Authorization header when they leave the host. Call close() when done.
 */
export class RegistryClient {
  private authorization?: string;
  private dispatcher?: Promise<Dispatcher>;

  constructor(private readonly o: RegistryClientOptions) {}

  /** GETs a manifest by tag or digest with every supported media type accepted. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const res = await this.send(`manifests/${reference}`, MANIFEST_ACCEPT);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > MAX_MANIFEST_BYTES) {
        res.body.destroy();
        throw new RegistryError(`manifest ${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`);
      }
      chunks.push(c as Buffer);
    }
    const body = Buffer.concat(chunks);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const announced = header(res.headers['docker-content-digest']);
    if (announced?.startsWith('sha256:') && announced !== digest) {
      throw new RegistryError(
        `manifest ${reference}: the registry announced digest ${announced} but the content has ${digest}`,
      );
    }
    return { body, contentType: header(res.headers['content-type']), digest };
  }

  /**
   * Streams a blob into `file`, checking its sha256 digest (and size, when known) on the way;
   * rejects on a mismatch (the file is then incomplete or wrong: the caller removes it).
   * `onBytes` hears the size of each chunk received (progress).
   */
  async getBlob(digest: string, file: string, size?: number, onBytes?: (n: number) => void): Promise<void> {
    const res = await this.send(`blobs/${digest}`, '*/*');
    const hash = createHash('sha256');
    let n = 0;
    await pipeline(
      res.body,
      async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) {
          hash.update(c);
          n += c.length;
          onBytes?.(c.length);
          yield c;
        }
      },
      createWriteStream(file),
    );
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) throw new RegistryError(`blob ${digest}: the content received has digest ${actual}`);
    if (size !== undefined && size !== n)
      throw new RegistryError(`blob ${digest}: ${n} bytes received, the manifest says ${size}`);
  }

  /** Reads a small blob (an image config) into memory, digest checked. */
  async getSmallBlob(digest: string): Promise<Buffer> {
    const res = await this.send(`blobs/${digest}`, '*/*');
    const body = Buffer.from(await res.body.arrayBuffer());
    const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (actual !== digest) throw new RegistryError(`blob ${digest}: the content received has digest ${actual}`);
    return body;
  }

  async close(): Promise<void> {
    const d = await this.dispatcher?.catch(() => undefined);
    await d?.close();
  }

  /** GET `<endpoint>/v2/<repository>/<path>`, answering one auth challenge and following redirects; 2xx or a RegistryError. */
  private async send(path: string, accept: string): Promise<Dispatcher.ResponseData> {
    const first = `${this.o.endpoint.url}/v2/${this.o.repository}/${path}`;
    for (let authTries = 0; ; authTries++) {
      let url = first;
      for (let hops = 0; ; hops++) {
        const sameHost = new URL(url).host === this.o.endpoint.host;
        const res = await this.get(url, {
          accept,
          ...(sameHost && this.authorization ? { authorization: this.authorization } : {}),
        });
        if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && hops < 5) {
          await res.body.dump();
          url = new URL(header(res.headers.location) ?? '', url).toString();
          continue;
        }
        if (res.statusCode === 401 && sameHost && authTries === 0) {
          const challenge = header(res.headers['www-authenticate']) ?? '';
          const text = await res.body.text().catch(() => '');
          if (await this.authenticate(challenge)) break; // retry with credentials
          throw new RegistryError(await statusMessage(url, res, 'no credentials for this registry', text), 401);
        }
        if (res.statusCode >= 200 && res.statusCode < 300) return res;
        throw new RegistryError(await statusMessage(url, res), res.statusCode);
      }
    }
  }

  /** Sets the Authorization header a challenge asks for; false when it cannot be answered. */
  private async authenticate(header: string): Promise<boolean> {
    const challenges = parseAuthChallenges(header);
    const cred = this.o.credential;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer?.params.realm) {
      const realm = new URL(bearer.params.realm);
      if (bearer.params.service) realm.searchParams.set('service', bearer.params.service);
      realm.searchParams.set('scope', bearer.params.scope ?? `repository:${this.o.repository}:pull`);
      const res = await this.get(realm.toString(), {
        accept: 'application/json',
        ...(cred ? { authorization: basic(cred) } : {}),
      });
      if (res.statusCode !== 200)
        throw new RegistryError(
          await statusMessage(`${realm.origin}${realm.pathname}`, res, 'fetching an auth token'),
          res.statusCode,
        );
      const json = (await res.body.json()) as { token?: string; access_token?: string };
      const token = json.token ?? json.access_token;
      if (!token) throw new RegistryError(`the token server ${realm.origin}${realm.pathname} returned no token`);
      this.authorization = `Bearer ${token}`;
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic') && cred) {
      this.authorization = basic(cred);
      return true;
    }
    return false;
  }

  private async get(url: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    this.dispatcher ??= this.makeDispatcher();
    const timeout = this.o.timeoutMs ?? 30_000;
    try {
      return await request(url, {
        method: 'GET',
        headers: { 'user-agent': 'flotilla', ...headers },
        dispatcher: await this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new RegistryError(`failed to do request: GET ${url}: ${code ? `${code} ` : ''}${(err as Error).message}`);
    }
  }

  private async makeDispatcher(): Promise<Dispatcher> {
    const tls = this.o.endpoint.config?.tls;
    const [ca, cert, key] = await Promise.all(
      [tls?.ca_file, tls?.cert_file, tls?.key_file].map((f) => (f ? readFile(f) : undefined)),
    );
    return new Agent({
      connect: {
        rejectUnauthorized: !tls?.insecure_skip_verify,
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
      },
    });
  }
}

function basic(c: RegistryCredential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * containerd's wording plus the registry's own errors: `unexpected status from GET request to URL:
 * 401 Unauthorized: UNAUTHORIZED: authentication required`.
 */
async function statusMessage(
  url: string,
  res: Dispatcher.ResponseData,
  context?: string,
  body?: string,
): Promise<string> {
  let detail = '';
  try {
    const text = (body ?? (await res.body.text())).slice(0, 4096);
    const json = JSON.parse(text) as { errors?: { code?: string; message?: string }[]; details?: string };
    detail = (json.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // not JSON: the status line says enough
  }
  const parts = [
    `unexpected status from GET request to ${url}: ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd(),
  ];
  if (detail) parts.push(detail);
  if (context) parts.push(`(${context})`);
  return parts.join(': ').replace(/: \(/, ' (');
}
