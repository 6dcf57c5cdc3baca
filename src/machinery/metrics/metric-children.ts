import type { Counter, Histogram } from 'prom-client';

/**
 * prom-client hashes a label object on every inc/observe (sorting its keys); on a request path that
 * showed in profiles. These caches hand out the labelled child once per label combination.
 */
export function counterChildren<L extends string>(
  counter: Counter<L>,
): (values: Record<L, string>) => Counter.Internal {
  const children = new Map<string, Counter.Internal>();
  return (values) => {
    const key = Object.values(values).join('\u0000');
    let child = children.get(key);
    if (!child) {
      child = counter.labels(values);
      children.set(key, child);
    }
    return child;
  };
}

/** As counterChildren, for histograms. */
export function histogramChildren<L extends string>(
  histogram: Histogram<L>,
): (values: Record<L, string>) => Histogram.Internal<L> {
  const children = new Map<string, Histogram.Internal<L>>();
  return (values) => {
    const key = Object.values(values).join('\u0000');
    let child = children.get(key);
    if (!child) {
      child = histogram.labels(values);
      children.set(key, child);
    }
    return child;
  };
}
