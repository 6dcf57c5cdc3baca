/**
 * Kubernetes' tokens controller for legacy ServiceAccount token Secrets: a Secret of type
 * `kubernetes.io/service-account-token` annotated `kubernetes.io/service-account.name` gets
 * `token` (a non-expiring JWT signed with the ServiceAccount key), `ca.crt` and `namespace`, and
 * the ServiceAccount's uid annotation. A token Secret whose ServiceAccount is gone is deleted.
 *
 *   token Secrets (field-selected by type) ─► key ─┐
 *   ServiceAccounts ─► their token Secrets' keys ──┴─► queue ─► reconcile ─► planTokenSecret ─► update / delete
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import {
  legacyTokenClaims,
  SERVICE_ACCOUNT_TOKEN_SECRET_TYPE,
  TOKEN_SECRET_KEYS,
} from '../../api/serviceaccount/token-claims.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type ReconcileResult, type RunningController } from '../../machinery/controller/controller.js';
import type { KubeObject } from '../../api/object.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { SECRETS, SERVICE_ACCOUNTS } from '../../machinery/resources/well-known.js';
import { signJwt } from '../../machinery/serviceaccount-token/jwt.js';
import type { SigningKey } from '../../machinery/serviceaccount-token/signing-key.js';
import { planTokenSecret, tokenSecretOwner } from './plan-token-secret.js';

type SecretObject = ObjectOf<Secret>;

export interface TokensControllerOptions {
  client: KubeClient;
  /** Token Secrets (a type-selected informer). */
  secrets: Informer<SecretObject>;
  /** ServiceAccounts (metadata is enough: name and uid). */
  serviceAccounts: Informer;
  key: SigningKey;
  /** The cluster CA, PEM (ca.crt of each Secret). */
  caPem: string;
}

/**
 * Keyed by Secret namespace/name. Idempotent: a Secret already filled is left alone. A
 * ServiceAccount missing from the cache is fetched once before the Secret is judged orphaned (the
 * cache may not have seen a ServiceAccount created a moment ago). Conflicts retry.
 */
export function tokensReconciler(
  opts: TokensControllerOptions,
): (key: ObjectKey) => Promise<ReconcileResult | undefined> {
  return async ({ namespace, name }): Promise<undefined> => {
    const secret = opts.secrets.get(namespace, name);
    if (!secret || secret.metadata.deletionTimestamp) return undefined;
    const owner = tokenSecretOwner(secret);
    if (!owner) return undefined;
    let sa: KubeObject | undefined = opts.serviceAccounts.get(namespace, owner.name);
    if (!sa || (owner.uid !== undefined && sa.metadata.uid !== owner.uid))
      sa = await fetch(opts.client, namespace, owner.name);
    const plan = planTokenSecret(secret, sa ? { name: owner.name, uid: sa.metadata.uid ?? '' } : undefined, opts.caPem);
    try {
      if (plan.kind === 'delete') {
        await opts.client.delete(SECRETS, namespace, name, { preconditions: { uid: secret.metadata.uid } });
      } else if (plan.kind === 'update') {
        const updated = plan.secret;
        if (plan.needsToken && sa) {
          const claims = legacyTokenClaims({
            namespace,
            serviceAccount: { name: owner.name, uid: sa.metadata.uid ?? '' },
            secretName: name,
          });
          const token = await signJwt(opts.key, claims);
          updated.data = { ...updated.data, [TOKEN_SECRET_KEYS.token]: Buffer.from(token).toString('base64') };
        }
        await opts.client.update(SECRETS, namespace, updated);
      }
    } catch (err) {
      // Gone meanwhile, or its uid precondition failed (replaced): nothing left to do for this one.
      if (isNotFound(err) || (plan.kind === 'delete' && isConflict(err))) return undefined;
      throw err;
    }
    return undefined;
  };
}

async function fetch(client: KubeClient, namespace: string, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(SERVICE_ACCOUNTS, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A ServiceAccount event queues the token Secrets that name it. */
export function tokenSecretKeysOf(secrets: Informer<SecretObject>): (sa: KubeObject) => ObjectKey[] {
  return (sa) => {
    const ns = sa.metadata.namespace ?? '';
    return secrets
      .list(ns)
      .filter((s) => tokenSecretOwner(s)?.name === sa.metadata.name)
      .map((s) => ({ namespace: ns, name: s.metadata.name ?? '' }));
  };
}

/** Starts the controller; its stop also stops the token Secret informer it owns. */
export async function startTokensController(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  key: SigningKey;
  caPem: string;
}): Promise<RunningController> {
  const serviceAccounts = opts.informers.informerFor(SERVICE_ACCOUNTS, 'metadata');
  const secrets = new Informer(opts.client, SECRETS, {
    log: opts.log,
    fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_SECRET_TYPE}`,
  });
  const running = await runController({
    name: 'serviceaccount-token',
    log: opts.log,
    workers: 1,
    sources: [{ informer: secrets }, { informer: serviceAccounts, keysFor: tokenSecretKeysOf(secrets) }],
    reconcile: tokensReconciler({ client: opts.client, secrets, serviceAccounts, key: opts.key, caPem: opts.caPem }),
  });
  return {
    queue: running.queue,
    async stop() {
      await running.stop();
      await secrets.stop();
    },
  };
}
