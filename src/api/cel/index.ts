/** CEL in Kubernetes' environment: compile, evaluate, cost, JSON to CEL values (see compile.ts). */
export { type CelProgram, type CelVariables, type CompileOptions, type CompileResult, compileCel } from './compile.js';
export {
  costErrorMessage,
  estimateCost,
  MAX_REQUEST_SIZE_BYTES,
  PER_CALL_LIMIT,
  RUNTIME_CEL_COST_BUDGET,
  STATIC_ESTIMATED_COST_LIMIT,
  STATIC_ESTIMATED_CRD_COST_LIMIT,
  type SizeShape,
  UNBOUNDED,
} from './cost.js';
export { type CelSchema, celTypeOfSchema, escapeCelName, schemaShape, toCel, valueShape } from './values.js';
