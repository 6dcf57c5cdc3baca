import { errors } from '../errors.js';

/** One requirement of a label selector, as Kubernetes' labels.Requirement. */
export interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
  values: string[];
}

/** A parsed label selector: all requirements must hold. An empty selector matches everything. */
export interface LabelSelector {
  requirements: LabelRequirement[];
  matches(labels: Record<string, string> | undefined): boolean;
}

const EVERYTHING: LabelSelector = { requirements: [], matches: () => true };

/**
 * Parses the `labelSelector` query syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3`).
 * Throws a 400 ApiError naming the selector when it is malformed. Undefined or '' selects all.
 */
export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  if (!text || text.trim() === '') return EVERYTHING;
  const requirements = splitTopLevel(text).map((part) => parseRequirement(part.trim(), text));
  return fromRequirements(requirements);
}

/** Builds a selector from a metav1.LabelSelector object ({matchLabels, matchExpressions}). */
export function labelSelectorFromObject(
  sel:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined
    | null,
): LabelSelector {
  if (!sel) return { requirements: [], matches: () => false };
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {}))
    requirements.push({ key, operator: 'in', values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const op =
      e.operator === 'In'
        ? 'in'
        : e.operator === 'NotIn'
          ? 'notin'
          : e.operator === 'Exists'
            ? 'exists'
            : e.operator === 'DoesNotExist'
              ? '!'
              : undefined;
    if (!op) throw errors.badRequest(`"${e.operator}" is not a valid label selector operator`);
    requirements.push({ key: e.key, operator: op, values: e.values ?? [] });
  }
  return fromRequirements(requirements);
}

/** The query-string form of a metav1.LabelSelector (as Scale's status.selector shows it). */
export function formatLabelSelector(
  sel:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
): string {
  if (!sel) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    parts.push(`${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

function fromRequirements(requirements: LabelRequirement[]): LabelSelector {
  return {
    requirements,
    matches(labels) {
      const l = labels ?? {};
      for (const r of requirements) {
        const has = Object.hasOwn(l, r.key);
        const v = l[r.key];
        switch (r.operator) {
          case 'in':
            if (!has || !r.values.includes(v)) return false;
            break;
          case 'notin':
            if (has && r.values.includes(v)) return false;
            break;
          case 'exists':
            if (!has) return false;
            break;
          case '!':
            if (has) return false;
            break;
          case 'gt':
            if (!has || !(Number(v) > Number(r.values[0]))) return false;
            break;
          case 'lt':
            if (!has || !(Number(v) < Number(r.values[0]))) return false;
            break;
        }
      }
      return true;
    },
  };
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseRequirement(part: string, whole: string): LabelRequirement {
  const bad = (why: string) => errors.badRequest(`unable to parse requirement: ${why} (in label selector "${whole}")`);
  let m: RegExpMatchArray | null;
  let req: LabelRequirement;
  if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
    req = {
      key: m[1],
      operator: m[2] as 'in' | 'notin',
      values: m[3]
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    };
  } else if ((m = part.match(/^(\S+?)\s*(==|!=|=)\s*(\S*)$/))) {
    req = { key: m[1], operator: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
  } else if ((m = part.match(/^(\S+?)\s*([<>])\s*(\S+)$/))) {
    if (!/^-?\d+$/.test(m[3])) throw bad(`for 'gt', 'lt' operators, the value must be an integer`);
    req = { key: m[1], operator: m[2] === '>' ? 'gt' : 'lt', values: [m[3]] };
  } else if ((m = part.match(/^!\s*(\S+)$/))) {
    req = { key: m[1], operator: '!', values: [] };
  } else if ((m = part.match(/^(\S+)$/))) {
    req = { key: m[1], operator: 'exists', values: [] };
  } else {
    throw bad(`found '${part}', expected: key, !key, key=value, key!=value, key in (v1,v2), key notin (v1,v2)`);
  }
  if (!KEY.test(req.key)) throw bad(`invalid label key "${req.key}"`);
  const slash = req.key.lastIndexOf('/');
  if (req.key.length - slash - 1 > 63)
    throw bad(`invalid label key "${req.key}": name part must be no more than 63 characters`);
  if (slash > 253) throw bad(`invalid label key "${req.key}": prefix part must be no more than 253 characters`);
  for (const v of req.values) if (!VALUE.test(v) || v.length > 63) throw bad(`invalid label value: "${v}"`);
  return req;
}
