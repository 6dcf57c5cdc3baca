/**
 * RBAC policy data and pure policy logic shared by the API server (authorizer, bootstrap
 * reconciliation) and the controllers (ClusterRole aggregation): rule matching and coverage,
 * aggregation, Kubernetes' bootstrap policy and the reconcile planner.
 */
export * from './aggregate.js';
export * from './bootstrap-policy.js';
export * from './controller-policy.js';
export * from './namespace-policy.js';
export * from './node-agent-policy.js';
export * from './node-bootstrap-policy.js';
export * from './policy-rule.js';
export * from './reconcile-plan.js';
export * from './rule-builder.js';
export * from './users.js';
export * from './compact-rules.js';
export * from './component-policy.js';
