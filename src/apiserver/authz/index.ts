/**
 * Authorization: the contract (authorizer.ts), its implementations and the pure pieces the
 * request path and the review APIs use.
 *
 *   request ─► attributesFromRequest ─► union(privileged group, [node], RBAC) ─► allow
 *                                                   │
 *                                                   └─ deny / no opinion ─► forbiddenError (403)
 */
export * from './access-review.js';
export * from './always-allow.js';
export * from './attributes.js';
export * from './authorizer.js';
export * from './forbidden.js';
export * from './impersonation.js';
export * from './modes.js';
export * from './privileged-group.js';
export * from './rbac/rbac-authorizer.js';
export * from './rbac/rbac-lister.js';
export * from './rbac/rule-resolver.js';
export * from './union.js';
export * from './request-gate.js';
