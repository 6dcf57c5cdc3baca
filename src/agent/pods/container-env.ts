import type { Container, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { ImageConfig } from '../images/image-types.js';
import { podFieldValue, resourceFieldValue } from '../volumes/downward-api.js';
import { configMapBytes, secretBytes, type ObjectLookup } from '../volumes/projections.js';

/** What env building reads from the API (the agent's caches). */
export interface EnvObjects extends ObjectLookup {
  /** Services of a namespace (for the service environment variables). */
  services(namespace: string): Service[];
}

/** The container's env cannot be built (missing configMap/secret or key): the kubelet's CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  readonly code = 'CreateContainerConfigError';
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Kubernetes `$(VAR)` expansion: `$(NAME)` becomes lookup(NAME), or stays as written when undefined;
 * `$$` is a literal `$`; any other `$` stays. Pure.
 */
export function expandVars(s: string, lookup: (name: string) => string | undefined): string {
  return s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) =>
    name === undefined ? '$' : (lookup(name) ?? m),
  );
}

/** `my-svc` -> `MY_SVC`, as Kubernetes names service variables. Pure. */
function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

/**
 * The service environment variables of a pod, as the kubelet makes them: for the services of the
 * pod's namespace (when enableServiceLinks, default true) and always for `kubernetes` in `default`,
 * each with a cluster IP (not headless, not ExternalName), sorted by name:
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`, `<NAME>_SERVICE_PORT_<PORTNAME>` per named port, and
 * the Docker link variables `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>` with `_PROTO`, `_PORT`, `_ADDR`. Pure.
 */
export function serviceEnv(pod: Pod, namespaceServices: Service[], defaultServices: Service[]): [string, string][] {
  const ns = pod.metadata?.namespace ?? '';
  const links = pod.spec?.enableServiceLinks ?? true;
  const byName = new Map<string, Service>();
  const master = defaultServices.find((s) => s.metadata?.name === 'kubernetes' && s.metadata.namespace === 'default');
  if (master) byName.set('kubernetes', master);
  if (links)
    for (const s of namespaceServices)
      if (s.metadata?.namespace === ns && !(ns === 'default' && s.metadata.name === 'kubernetes'))
        byName.set(s.metadata?.name ?? '', s);
  const out: [string, string][] = [];
  for (const name of [...byName.keys()].sort()) {
    const svc = byName.get(name);
    const ip = svc?.spec?.clusterIP ?? '';
    const ports = svc?.spec?.ports ?? [];
    if (!ip || ip === 'None' || !ports.length) continue;
    const prefix = envName(name);
    out.push([`${prefix}_SERVICE_HOST`, ip], [`${prefix}_SERVICE_PORT`, String(ports[0]?.port)]);
    for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
    const host = ip.includes(':') ? `[${ip}]` : ip;
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${proto}://${host}:${p.port}`;
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push([pp, url], [`${pp}_PROTO`, proto], [`${pp}_PORT`, String(p.port)], [`${pp}_ADDR`, ip]);
    });
  }
  return out;
}

export interface ContainerEnvInput {
  pod: Pod;
  container: Container;
  image: ImageConfig;
  podIP: string;
  hostIP: string;
  /** configMaps, secrets, services and node allocatable; without it only literal values and fieldRefs resolve. */
  objects?: EnvObjects;
}

/**
 * The container's environment, as the kubelet builds it and the runtime merges it with the image's:
 * the image's variables, then envFrom (configMapRef/secretRef, with prefix; keys that are not valid
 * variable names skipped), then `env` in order (later wins; `$(VAR)` in values expands from the
 * variables declared before and the service variables), valueFrom fieldRef, resourceFieldRef,
 * configMapKeyRef and secretKeyRef (`optional` honoured), then the service variables not already
 * set, and HOSTNAME. Throws ContainerConfigError for a missing configMap, secret or key. Pure but
 * for the lookups.
 */
export function buildContainerEnv(i: ContainerEnvInput): string[] {
  const { pod, container: c, objects } = i;
  const ns = pod.metadata?.namespace ?? '';
  const svcMap = new Map(objects ? serviceEnv(pod, objects.services(ns), objects.services('default')) : []);
  const tmp = new Map<string, string>();
  const lookupConfigMap = (name: string, optional: boolean): Map<string, Buffer> | undefined => {
    const cm = objects?.configMap(ns, name);
    if (!cm && !optional) throw new ContainerConfigError(`configmap ${JSON.stringify(name)} not found`);
    return cm ? configMapBytes(cm) : undefined;
  };
  const lookupSecret = (name: string, optional: boolean): Map<string, Buffer> | undefined => {
    const s = objects?.secret(ns, name);
    if (!s && !optional) throw new ContainerConfigError(`secret ${JSON.stringify(name)} not found`);
    return s ? secretBytes(s) : undefined;
  };
  for (const ef of c.envFrom ?? []) {
    const keys = ef.configMapRef
      ? lookupConfigMap(ef.configMapRef.name ?? '', !!ef.configMapRef.optional)
      : ef.secretRef
        ? lookupSecret(ef.secretRef.name ?? '', !!ef.secretRef.optional)
        : undefined;
    for (const [k, v] of keys ?? []) {
      const name = `${ef.prefix ?? ''}${k}`;
      if (ENV_NAME.test(name)) tmp.set(name, v.toString('utf8'));
    }
  }
  for (const e of c.env ?? []) {
    let value = e.value ?? '';
    const from = e.valueFrom;
    try {
      if (value !== '') value = expandVars(value, (n) => tmp.get(n) ?? svcMap.get(n));
      else if (from?.fieldRef)
        value = podFieldValue(pod, from.fieldRef.fieldPath, { podIP: i.podIP, hostIP: i.hostIP });
      else if (from?.resourceFieldRef)
        value = resourceFieldValue(pod, from.resourceFieldRef, c, objects?.nodeAllocatable() ?? {});
      else if (from?.configMapKeyRef) {
        const ref = from.configMapKeyRef;
        const keys = lookupConfigMap(ref.name ?? '', !!ref.optional);
        const v = keys?.get(ref.key);
        if (v === undefined) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name ?? ''}`);
        }
        value = v.toString('utf8');
      } else if (from?.secretKeyRef) {
        const ref = from.secretKeyRef;
        const keys = lookupSecret(ref.name ?? '', !!ref.optional);
        const v = keys?.get(ref.key);
        if (v === undefined) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name ?? ''}`);
        }
        value = v.toString('utf8');
      }
    } catch (err) {
      if (err instanceof ContainerConfigError) throw err;
      throw new ContainerConfigError(`env ${e.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    tmp.set(e.name, value);
  }
  const env = new Map(i.image.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  for (const [k, v] of tmp) env.set(k, v);
  for (const [k, v] of svcMap) if (!tmp.has(k)) env.set(k, v);
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', pod.spec?.hostname ?? pod.metadata?.name ?? '');
  return [...env].map(([k, v]) => `${k}=${v}`);
}
