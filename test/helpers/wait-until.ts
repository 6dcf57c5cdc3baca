import { type Probe, until } from '../../src/testing/until.js';
/** Integration tests wait with the same helper as unit tests (src/testing/until.ts). */
export { type Probe, quietPeriod, type UntilOptions, until, untilWith } from '../../src/testing/until.js';
export { until as waitUntil, type UntilOptions as WaitOptions } from '../../src/testing/until.js';

/** `until` with the probe first and a 15 s default, as the kubectl tests read: waits for a truthy answer. */
export function eventually<T>(probe: Probe<T>, what: string, timeoutMs = 15_000): Promise<T> {
  return until(what, probe, { timeoutMs });
}
