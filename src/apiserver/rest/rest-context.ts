import type { KubeObject } from '../../api/object.js';
import type { Store } from '../../store/store.js';
import type { WatchCache } from '../watch-cache.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KindStrategy } from '../../api/kind-strategy.js';
import type { UserInfo } from '../user-info.js';
import type { AdmissionChain, AdmissionNotes } from '../admission/plugin.js';
import type { CreateInput, CreateOutcome } from './prepare-create.js';
import type { ServiceAccountTokenConfig } from '../serviceaccount/token-config.js';

/** What every REST handler works with: the store, the watch cache and an injectable clock. */
export interface RestContext {
  store: Store;
  cache: WatchCache;
  now(): Date;
  /** Runs on every create and update before the object is stored. */
  admission: AdmissionChain;
  /**
   * The client certificate the API server presents to agents (CN kube-apiserver-kubelet-client);
   * undefined: none (agents then answer 401).
   */
  agentClientTls?: { cert: string; key: string };
  /**
   * The CA agents' serving certificates must chain to (the cluster CA: agents get them through
   * kubelet-serving CertificateSigningRequests); undefined: agents are not contacted (503).
   */
  agentCaPem?: string;
  /** Prepares creates of JSON bodies elsewhere (write worker threads; off when undefined). */
  createPreparer?: CreatePreparer;
  /** Issuer, audiences and key of ServiceAccount tokens (serviceaccounts/token; 405 when undefined). */
  serviceAccountTokens?: ServiceAccountTokenConfig;
  /**
   * Checks of an update that need the requesting user, after the strategy prepared the object and
   * before admission (Kubernetes' CertificateApproval and CertificateSigning). Throws to refuse.
   */
  checkUpdate?: (call: ResourceCall, subresource: string, next: KubeObject, old: KubeObject) => void;
  /**
   * Checks of a create that need the requesting user (RBAC escalation prevention), on this thread
   * after the object was prepared, before it is stored; `appliesTo` keeps such creates out of
   * write workers. Throws to refuse.
   */
  checkCreate?: CreateCheck;
}

/** A create check and the resources it looks at. */
export interface CreateCheck {
  appliesTo(rt: ResourceType): boolean;
  /** `obj` is the prepared object; `generatedName`: its name came from generateName. */
  check(call: ResourceCall, obj: KubeObject, generatedName: boolean): void;
}

/**
 * Prepares creates off this thread with the outcome prepareCreateFromBody would have here (same
 * code, same admission chain). Used only for creates whose admission is pure (see create-object.ts).
 */
export interface CreatePreparer {
  /** True when a create can be handed over now; false means prepare this one here (it may start the workers). */
  ready(): boolean;
  /** Rejects (503) when the preparer went away; otherwise resolves with the outcome, errors included. */
  prepareCreate(input: CreateInput, body: Uint8Array, contentType: string | undefined): Promise<CreateOutcome>;
  close(): Promise<void>;
}

/** One resource request, resolved against the served resource table. */
export interface ResourceCall {
  rt: ResourceType;
  strategy: KindStrategy;
  namespace: string;
  name: string;
  query: URLSearchParams;
  user: UserInfo;
  /** The URL's subresource ('' for the object itself): what admission sees, also where a handler writes the whole object (scale). */
  subresource?: string;
  /**
   * What admission said about this request without refusing it: warnings, which the reply carries
   * as Warning headers, and audit annotations, kept here for the request's audit event.
   */
  admission?: AdmissionNotes;
}
