/**
 * What the server process needs from the REST core and the store, and how it loads them.
 * The modules are imported lazily (they are the heavy part of start-up) and can be replaced
 * through StartServerOptions (tests inject a stub handler or an in-memory store).
 */
import type { Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import type { Logger } from 'pino';
import type { ApiHandler } from '../apiserver/api-handler.js';
import type { ExtraRoute } from '../apiserver/non-resource.js';
import type { AuditRecorder } from '../apiserver/audit/audit-recorder.js';
import type { TokenAuthentication } from '../apiserver/auth/token-authentication.js';
import type { PodSecuritySettings } from '../apiserver/admission/pod-security/index.js';

/** PodSecurity admission settings and the newest policy version the server knows. */
export interface PodSecurityOptions {
  settings?: PodSecuritySettings;
  maxVersion?: number;
}

export type { ApiHandler, ExtraRoute };
export type CreateApiHandler = (options: {
  store: Store;
  metrics?: Registry;
  log?: Logger;
  defaultTolerationSeconds?: { notReady: number; unreachable: number };
  writeWorkers?: number;
  metricsTtlMs?: number;
  authorizationModes?: readonly string[];
  extraRoutes?: readonly ExtraRoute[];
  audit?: AuditRecorder;
  serviceAccountTokens?: {
    keyPem?: string;
    publicKeyPems?: readonly string[];
    issuer?: string;
    issuers?: readonly string[];
    apiAudiences?: readonly string[];
    jwksUri?: string;
  };
  authenticateToken?: (token: string, audiences?: readonly string[]) => TokenAuthentication;
  podSecurity?: PodSecurityOptions;
  serviceAccountAdmission?: boolean;
  agentClientTls?: { cert: string; key: string };
  agentCaPem?: string;
}) => Promise<ApiHandler>;
export type OpenStore = (
  spec: string,
  dataDir: string,
  options?: { etcdTls?: import('../store/index.js').EtcdClientTls },
) => Promise<Store>;

/** Loads the REST core's createApiHandler. */
export async function loadCreateApiHandler(): Promise<CreateApiHandler> {
  const { createApiHandler } = await import('../apiserver/api-handler.js');
  return createApiHandler;
}

/** Loads the store package's openStore (which itself loads only the backend asked for). */
export async function loadOpenStore(_spec: string): Promise<OpenStore> {
  const { openStore } = await import('../store/index.js');
  return openStore;
}
