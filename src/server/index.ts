/** The server process: TLS, auth, HTTPS routing, health, version and metrics around the REST core. */
export { startServer, type RunningServer, type StartServerOptions } from './start-server.js';
export { createLogger } from './create-logger.js';
export type { ApiHandler, CreateApiHandler, OpenStore } from './api-handler-contract.js';
