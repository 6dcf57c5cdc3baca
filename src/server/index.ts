/**
 * The process compositions: the API server (TLS, auth, HTTPS routing, health, version and metrics
 * around the REST core, controllers and scheduler) and the node (agent, cluster DNS, service proxy,
 * NetworkPolicy enforcement).
 */
export { startServer, type RunningServer, type StartServerOptions } from './start-server.js';
export { startNode, type NodeOptions, type RunningNode } from './start-node.js';
export { createLogger } from './create-logger.js';
export type { ApiHandler, CreateApiHandler, OpenStore } from './api-handler-contract.js';
