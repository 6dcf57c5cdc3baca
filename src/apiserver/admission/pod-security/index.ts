export { podSecurityAdmission, isSignificantPodUpdate, type PodSecurityState } from './pod-security-admission.js';
export {
  DEFAULT_POD_SECURITY,
  parsePodSecurityConfiguration,
  parsePodSecurityDefault,
  podSecurityFromAdmissionConfiguration,
  PodSecurityConfigError,
  type PodSecuritySettings,
} from './pod-security-config.js';
export { Evaluator, NEWEST_CHECK_VERSION } from './evaluator.js';
export * from './policy-levels.js';
