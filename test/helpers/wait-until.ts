/** Integration tests wait with the same helper as unit tests (src/testing/until.ts). */
export { type Probe, quietPeriod, type UntilOptions, until, untilWith } from '../../src/testing/until.js';
export { until as waitUntil, type UntilOptions as WaitOptions } from '../../src/testing/until.js';
