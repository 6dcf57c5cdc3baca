/** The web dashboard's server side: static bundle, login sessions, and the API path acting as the user. */
export {
  createDashboard,
  isDashboardPath,
  CONTENT_SECURITY_POLICY,
  CSRF_HEADER,
  CSRF_PROTOCOL_PREFIX,
  DASHBOARD_PATH,
  SESSION_COOKIE,
  type Dashboard,
  type DashboardOptions,
} from './dashboard-handler.js';
export { loadAssets, defaultAssetDir, type Assets, type Asset } from './assets.js';
export type { DashboardUser, SessionCredential } from './sessions.js';
