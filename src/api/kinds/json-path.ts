/**
 * The JSONPath subset CRDs use in additionalPrinterColumns and scale paths: `.a.b`, `.a[0]`,
 * `.a[*]`, `['a.b']` and filters `[?(@.type=="Ready")]`, with or without `{}` around. Pure;
 * a path that does not parse or finds nothing gives an empty list.
 */
export function evaluateJsonPath(obj: unknown, path: string): unknown[] {
  const steps = parseJsonPath(path);
  if (!steps) return [];
  let current: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (step.type === 'field') {
        if (isRecord(v) && Object.hasOwn(v, step.name) && v[step.name] !== undefined) next.push(v[step.name]);
      } else if (step.type === 'index') {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (step.type === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (isRecord(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          const found = evaluateJsonPath(item, step.path);
          if (found.length > 0 && (step.value === undefined || String(found[0]) === step.value)) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

type Step =
  | { type: 'field'; name: string }
  | { type: 'index'; index: number }
  | { type: 'all' }
  | { type: 'filter'; path: string; value?: string };

function parseJsonPath(raw: string): Step[] | undefined {
  let p = raw.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1).trim();
  if (p.startsWith('$')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      i++;
      let j = i;
      while (j < p.length && p[j] !== '.' && p[j] !== '[') j++;
      if (j > i) steps.push({ type: 'field', name: p.slice(i, j) });
      i = j;
    } else if (p[i] === '[') {
      const end = closingBracket(p, i);
      if (end < 0) return undefined;
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ type: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ type: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ type: 'field', name: inner.slice(1, -1) });
      else {
        const m = /^\?\(@(\.[^=!<>]*?)\s*(?:==\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+)))?\s*\)$/.exec(inner);
        if (!m) return undefined;
        steps.push({ type: 'filter', path: m[1], value: m[2] ?? m[3] ?? m[4] });
      }
    } else return undefined;
  }
  return steps;
}

function closingBracket(p: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return i;
    }
  }
  return -1;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets the value at a simple dotted path (`.spec.replicas`), creating objects on the way. */
export function setAtPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isRecord(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}
