import { errors } from '../errors.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** A parsed field selector (`metadata.name=x,status.phase!=Running`); all requirements must hold. */
export interface FieldSelector {
  requirements: FieldRequirement[];
  /** The value of `field=value` for a field, when the selector pins it (lets callers narrow a scan). */
  exact(field: string): string | undefined;
  matches(fields: Record<string, string>): boolean;
}

/**
 * Parses the `fieldSelector` query syntax. `supported` lists the selectable field names of the
 * resource; any other field gives a 400 `field label not supported: x`, as Kubernetes answers.
 */
export function parseFieldSelector(
  text: string | undefined | null,
  supported: (field: string) => boolean,
): FieldSelector {
  const requirements: FieldRequirement[] = [];
  if (text && text.trim() !== '') {
    for (const raw of splitUnescaped(text)) {
      const part = raw.trim();
      const m = part.match(/^([^=!]+?)\s*(==|!=|=)\s*(.*)$/);
      if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
      const field = m[1].trim();
      if (!supported(field)) throw errors.badRequest(`field label not supported: ${field}`);
      requirements.push({ field, operator: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3]) });
    }
  }
  return {
    requirements,
    exact: (field) => requirements.find((r) => r.field === field && r.operator === '=')?.value,
    matches(fields) {
      for (const r of requirements) {
        const v = fields[r.field] ?? '';
        if (r.operator === '=' ? v !== r.value : v === r.value) return false;
      }
      return true;
    },
  };
}

function splitUnescaped(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) {
      cur += text[i] + text[i + 1];
      i++;
      continue;
    }
    if (text[i] === ',') {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += text[i];
  }
  parts.push(cur);
  return parts;
}

function unescapeValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}
