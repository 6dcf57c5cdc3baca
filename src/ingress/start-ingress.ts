import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { ClientError } from '../machinery/client/client-error.js';
import type { ResourceRef } from '../machinery/client/resource-path.js';
import { Informer } from '../machinery/client/informer.js';
import { PolledObjects } from '../machinery/client/polled-objects.js';
import { CoalescedSync } from '../machinery/nftables/coalesced-sync.js';
import { EndpointWithdrawals } from '../machinery/net/endpoint-withdrawals.js';
import { issueCa, issueLeaf } from '../machinery/pki/issue-certs.js';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { servedIngressTlsSecrets } from '../api/kinds/ingress-class.js';
import { servedGatewayTlsSecrets } from '../api/gateway/tls-secrets.js';
import type { Gateway, GatewayClass, ReferenceGrant } from '../api/gateway/types.js';
import {
  GATEWAY_CLASSES,
  GATEWAYS,
  GRPC_ROUTES,
  HTTP_ROUTES,
  REFERENCE_GRANTS,
} from '../machinery/resources/gateway-api.js';
import {
  ENDPOINT_SLICES,
  INGRESS_CLASSES,
  INGRESSES,
  NAMESPACES,
  SECRETS,
  SERVICES,
} from '../machinery/resources/well-known.js';
import {
  certDir,
  crtListFile,
  DEFAULT_CERT,
  portCrtListFile,
  renderConfig,
  renderCrtList,
  statsSocket,
  type ListenOptions,
} from './haproxy-config.js';
import { startHaproxy, stopLeftoverHaproxy, type HaproxyProcess } from './haproxy-process.js';
import { buildModel, type ProxyModel } from './ingress-model.js';
import { assignSlots, slotCommands, slotCount, type SlotTable } from './server-slots.js';

export interface StartIngressOptions {
  client: KubeClient;
  log: Logger;
  /** Runtime directory (config, certificates, sockets), e.g. `<data-dir>/ingress`; created if missing. */
  dir: string;
  /** Address to bind ('' = all of the node's addresses), ports 80/443 and the metrics port (default 10254; 0 = none). */
  bindAddress?: string;
  httpPort?: number;
  httpsPort?: number;
  metricsPort?: number;
  /** HAProxy threads (default 1). */
  threads?: number;
  /** The haproxy binary (default from PATH). */
  haproxyBinary?: string;
  /** Minimum time between two syncs, ms (default 20): events in between are coalesced. */
  minSyncIntervalMs?: number;
}

export interface IngressStats {
  syncs: number;
  /** Syncs that changed servers through the runtime API only. */
  runtimeUpdates: number;
  /** Syncs that rewrote the config and reloaded HAProxy. */
  reloads: number;
  failures: number;
  lastSyncMs: number;
}

export interface RunningIngress {
  /** Resolves after a sync that started after this call has been applied. */
  syncNow(): Promise<void>;
  stats(): IngressStats;
  /** The endpoint addresses HAProxy last got as ready, and when each left (the agent waits on it before it stops a pod). */
  withdrawals: EndpointWithdrawals;
  /** The serving worker's pid (changes on every reload). */
  workerPid(): Promise<number>;
  /** Stops watching and stops HAProxy. Idempotent. */
  stop(): Promise<void>;
}

const TLS_SECRETS = 'type=kubernetes.io/tls';

/** Lines of a runtime API answer that are not errors (`set server ... addr` reports what changed). */
const RUNTIME_OK = /changed from|no need to change/i;

/**
 * The node's L7 data plane: Ingresses of the `flotilla` class to one HAProxy.
 *
 *   Ingress / IngressClass / Service / EndpointSlice / TLS Secret informers --(any event)--> coalesced sync
 *     --> buildModel (pure) --> slot tables (pure) --> structure unchanged?
 *           yes: `set server` commands on the runtime API (no reload)
 *           no:  write haproxy.cfg, crt-list and certificates --> haproxy -c --> seamless reload
 *
 * Resolves once HAProxy serves the first config; rejects at once when the client may not list
 * Ingresses, IngressClasses, Services or EndpointSlices; without the right to list Secrets (a node
 * identity) it reads the TLS Secrets of served Ingresses by name, each again every 15 s. A failed sync is logged and retried (1 s) with a
 * reload, which brings HAProxy back to the model whatever state the failure left.
 */
export async function startIngress(opts: StartIngressOptions): Promise<RunningIngress> {
  const log = opts.log.child({ component: 'ingress' });
  const dir = opts.dir;
  const listen: ListenOptions = {
    bindAddress: opts.bindAddress,
    httpPort: opts.httpPort ?? 80,
    httpsPort: opts.httpsPort ?? 443,
    metricsPort: opts.metricsPort ?? 10254,
    dir,
    threads: opts.threads,
  };
  // An identity that may not read these (the Node authorizer alone) fails here at once, rather
  // than leaving the informers retrying forever and the node waiting for them.
  const probe = { limit: 1 };
  const list = (r: ResourceRef, extra: Record<string, string> = {}) =>
    probeList(() => opts.client.list(r, '', { ...probe, ...extra }));
  await Promise.all([list(INGRESSES), list(INGRESS_CLASSES), list(SERVICES), list(ENDPOINT_SLICES)]);
  // A node identity under the Node authorizer may not list Secrets: it may read, by name, the TLS
  // Secrets that served Ingresses name (the authorizer's ingress rule), so those are polled one by one.
  const secretsListable = await list(SECRETS, { fieldSelector: TLS_SECRETS }).then(
    () => true,
    (err: unknown) => {
      if (!(err instanceof ClientError) || err.code !== 403) throw err;
      log.info('this identity may not list Secrets: reading the TLS Secrets of served Ingresses by name');
      return false;
    },
  );
  // The Gateway API (CRDs installed at start): served when this identity may list its objects;
  // a cluster without the CRDs (or a node role without the reads) serves Ingresses only.
  const gatewayReadable = await Promise.all(
    ([GATEWAY_CLASSES, GATEWAYS, HTTP_ROUTES, GRPC_ROUTES, REFERENCE_GRANTS, NAMESPACES] as ResourceRef[]).map((r) =>
      list(r),
    ),
  ).then(
    () => true,
    (err: unknown) => {
      if (!(err instanceof ClientError) || (err.code !== 403 && err.code !== 404)) throw err;
      log.warn({ err: err.message }, 'Gateway API objects are not readable: Gateways are not served');
      return false;
    },
  );
  await mkdir(certDir(dir), { recursive: true, mode: 0o700 });
  await ensureDefaultCert(join(certDir(dir), DEFAULT_CERT));
  const configFile = configFileIn(dir);

  const informers = {
    ingresses: new Informer(opts.client, INGRESSES, { log }),
    classes: new Informer(opts.client, INGRESS_CLASSES, { log }),
    services: new Informer(opts.client, SERVICES, { log }),
    slices: new Informer(opts.client, ENDPOINT_SLICES, { log }),
    ...(secretsListable ? { secrets: new Informer(opts.client, SECRETS, { log, fieldSelector: TLS_SECRETS }) } : {}),
  };
  const gw = gatewayReadable
    ? {
        gatewayClasses: new Informer(opts.client, GATEWAY_CLASSES, { log }),
        gateways: new Informer(opts.client, GATEWAYS, { log }),
        httpRoutes: new Informer(opts.client, HTTP_ROUTES, { log }),
        grpcRoutes: new Informer(opts.client, GRPC_ROUTES, { log }),
        grants: new Informer(opts.client, REFERENCE_GRANTS, { log }),
        namespaces: new Informer(opts.client, NAMESPACES, { log }),
      }
    : undefined;
  const all: Informer[] = [...Object.values(informers), ...Object.values(gw ?? {})] as Informer[];
  const polledSecrets = secretsListable
    ? undefined
    : new PolledObjects<Secret & KubeObject>({
        client: opts.client,
        resource: SECRETS,
        log,
        onChange: () => syncer.schedule(),
      });
  /**
   * The TLS Secrets the model may use: all of them (informer), or those served Ingresses and
   * Gateways name, read so far (the names the Node authorizer lets every node read).
   */
  const tlsSecrets = (): Secret[] => {
    if (informers.secrets) return informers.secrets.list();
    const out: Secret[] = [];
    const named = [
      ...servedIngressTlsSecrets(informers.ingresses.list(), informers.classes.list()),
      ...(gw
        ? servedGatewayTlsSecrets(
            gw.gateways.list() as Gateway[],
            gw.gatewayClasses.list() as GatewayClass[],
            gw.grants.list() as ReferenceGrant[],
          )
        : []),
    ];
    for (const key of new Set(named)) {
      const slash = key.indexOf('/');
      const s = polledSecrets?.get(key.slice(0, slash), key.slice(slash + 1));
      if (s?.type === 'kubernetes.io/tls') out.push(s);
    }
    return out;
  };
  // Reading a name keeps it polled: between syncs (a quiet cluster may not sync for long) the names
  // in use are read here, so they are not forgotten as idle and dropped at the next sync.
  const keepPolled =
    polledSecrets &&
    setInterval(() => {
      tlsSecrets();
    }, 60_000).unref();

  let haproxy: HaproxyProcess | undefined;
  let slots = new Map<string, SlotTable>();
  let structure = ''; // the structure key of what HAProxy runs; '' forces a reload
  const st: IngressStats = { syncs: 0, runtimeUpdates: 0, reloads: 0, failures: 0, lastSyncMs: 0 };
  const withdrawals = new EndpointWithdrawals();

  const nextSlots = (model: ProxyModel): Map<string, SlotTable> => {
    const out = new Map<string, SlotTable>();
    for (const b of model.backends.values()) {
      const prev = slots.get(b.name);
      out.set(b.name, assignSlots(prev, b.endpoints, slotCount(b.endpoints.length, prev?.length)));
    }
    return out;
  };

  /** Writes the config, crt-list and certificate files; removes certificates no longer used. */
  const writeFiles = async (model: ProxyModel, tables: Map<string, SlotTable>): Promise<void> => {
    const keep = new Set([DEFAULT_CERT]);
    const gwFrontends = model.gateway?.frontends ?? [];
    for (const c of [...model.certs, ...gwFrontends.flatMap((f) => f.certs)]) {
      if (keep.has(`${c.name}.pem`)) continue;
      keep.add(`${c.name}.pem`);
      await writeFile(join(certDir(dir), `${c.name}.pem`), c.pem, { mode: 0o600 });
    }
    for (const f of await readdir(certDir(dir))) if (!keep.has(f)) await rm(join(certDir(dir), f), { force: true });
    await writeFile(crtListFile(dir), renderCrtList(model, dir, listen.httpsPort));
    for (const f of gwFrontends)
      if (f.tls && f.port !== listen.httpsPort)
        await writeFile(portCrtListFile(dir, f.port), renderCrtList(model, dir, listen.httpsPort, f.port));
    await writeFile(configFile, renderConfig(model, tables, listen));
  };

  const structureKey = (model: ProxyModel, tables: Map<string, SlotTable>): string => {
    const h = createHash('sha256');
    h.update(renderConfig(model, tables, listen, false));
    for (const c of [...model.certs, ...(model.gateway?.frontends ?? []).flatMap((f) => f.certs)])
      h.update(`\0${c.name}\0${c.hosts.join(',')}\0${c.pem}`);
    return h.digest('hex');
  };

  const sync = async (): Promise<void> => {
    const t0 = performance.now();
    const slices = informers.slices.list();
    try {
      const model = buildModel({
        ingresses: informers.ingresses.list(),
        classes: informers.classes.list(),
        services: informers.services.list(),
        slices,
        secrets: tlsSecrets(),
        gateway: gw && {
          gatewayClasses: gw.gatewayClasses.list(),
          gateways: gw.gateways.list(),
          httpRoutes: gw.httpRoutes.list(),
          grpcRoutes: gw.grpcRoutes.list(),
          grants: gw.grants.list(),
          namespaces: gw.namespaces.list(),
        },
      });
      const tables = nextSlots(model);
      const key = structureKey(model, tables);
      if (haproxy && key === structure) {
        const cmds: string[] = [];
        for (const [name, next] of tables) cmds.push(...slotCommands(name, slots.get(name) ?? [], next));
        if (cmds.length) {
          const out = await haproxy.command(cmds);
          const bad = out.split('\n').filter((l) => l.trim() && !RUNTIME_OK.test(l));
          if (bad.length) throw new Error(`haproxy runtime API: ${bad.join('; ')}`);
          st.runtimeUpdates++;
        }
        slots = tables;
      } else {
        await writeFiles(model, tables);
        if (haproxy) await haproxy.reload();
        else haproxy = await startProcess();
        slots = tables;
        structure = key;
        st.reloads++;
      }
      withdrawals.applied(slices);
      st.syncs++;
      st.lastSyncMs = performance.now() - t0;
    } catch (err) {
      st.failures++;
      structure = ''; // the next attempt reloads from the model
      log.error({ err }, 'ingress sync failed; retrying');
      syncer.retryAfter(1000);
    }
  };

  let stopped = false;
  const startProcess = async (): Promise<HaproxyProcess> => {
    const p = await startHaproxy({
      binary: opts.haproxyBinary,
      configFile,
      socket: statsSocket(dir),
      dir,
      log,
    });
    void p.exited.then((e) => {
      if (stopped || haproxy !== p) return;
      log.error(e, 'haproxy exited; starting it again');
      haproxy = undefined;
      structure = '';
      syncer.retryAfter(1000);
    });
    return p;
  };

  const syncer = new CoalescedSync(sync, opts.minSyncIntervalMs ?? 20);
  const onEvent = () => syncer.schedule();
  for (const inf of all) (inf as Informer).addHandlers({ onAdd: onEvent, onUpdate: onEvent, onDelete: onEvent });
  for (const inf of all) inf.start();
  try {
    await Promise.all(all.map((i) => i.waitForSync()));
    await syncer.syncNow();
    if (!haproxy) throw new Error('haproxy did not start (see the log)');
  } catch (err) {
    stopped = true;
    clearInterval(keepPolled);
    polledSecrets?.stop();
    await Promise.all([syncer.stop(), ...all.map((i) => i.stop())]);
    await haproxy?.stop();
    throw err;
  }
  log.info(
    { dir, ports: [listen.httpPort, listen.httpsPort], metricsPort: listen.metricsPort },
    'ingress proxy running',
  );

  let stopping: Promise<void> | undefined;
  return {
    syncNow: () => syncer.syncNow(),
    stats: () => ({ ...st }),
    withdrawals,
    workerPid: async () => (haproxy ? haproxy.workerPid() : 0),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        withdrawals.close();
        clearInterval(keepPolled);
        polledSecrets?.stop();
        await Promise.all([syncer.stop(), ...all.map((i) => i.stop())]);
        await haproxy?.stop();
      })();
      return stopping;
    },
  };
}

/**
 * A start-up probe list: an answer (or a refusal, 401/403/404, which is final) is returned or
 * thrown at once; other failures (a server busy at start, a dropped connection) are tried three
 * times, 500 ms apart, so a transient error does not leave the node without its proxy.
 */
async function probeList<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const final = err instanceof ClientError && [401, 403, 404].includes(err.code);
      if (final || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A self-signed certificate for SNI names no Ingress covers (as ingress-nginx's fake certificate). Kept across restarts. */
async function ensureDefaultCert(file: string): Promise<void> {
  if (await readFile(file, 'utf8').catch(() => '')) return;
  const ca = await issueCa(3650);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=Flotilla Ingress Default Certificate',
    usage: 'server',
    validDays: 3650,
  });
  await writeFile(file, `${leaf.cert.trim()}\n${leaf.key.trim()}\n`, { mode: 0o600 });
}

const configFileIn = (dir: string) => join(dir, 'haproxy.cfg');

/**
 * Stops the HAProxy an agent left running in `dir` (`flotilla killall`: the proxy, like the
 * containers, outlives an agent killed without a stop). Resolves true when one was stopped.
 */
export function stopIngressLeftover(dir: string, log: Logger): Promise<boolean> {
  return stopLeftoverHaproxy(dir, configFileIn(dir), log);
}
