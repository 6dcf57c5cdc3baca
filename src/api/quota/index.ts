/**
 * Quota knowledge shared by the API server's admission (LimitRanger, ResourceQuota) and the quota
 * controller: exact quantities, ResourceList arithmetic, what an object costs, the admission
 * decision and the controller's status calculation.
 */
export * from './quantity.js';
export * from './resource-list.js';
export * from './evaluators.js';
export * from './check-request.js';
export * from './calculate-status.js';
export * from './limit-ranger.js';
export * from './limit-range-validation.js';
export * from './quota-validation.js';
