/**
 * Paths of keys that appear twice in one JSON object (`JSON.parse` silently keeps the last), for
 * fieldValidation Strict (400) and Warn (a warning), as Kubernetes' strict decoder reports them:
 * `duplicate field "data"`. Expects syntactically valid JSON (run after JSON.parse succeeded).
 */
export function duplicateJsonKeys(text: string): string[] {
  const found: string[] = [];
  // One frame per open object or array: its keys so far and the path leading to it.
  const stack: { keys: Set<string> | undefined; path: string; key: string | undefined; index: number }[] = [];
  let i = 0;
  const n = text.length;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    const part = top.keys ? top.key ?? '' : `[${top.index}]`;
    return top.keys ? (top.path ? `${top.path}.${part}` : part) : `${top.path}${part}`;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // string
      let j = i + 1;
      let escaped = false;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (escaped) escaped = false;
        else if (d === 0x5c) escaped = true;
        else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      // A string directly followed by ':' inside an object is a key.
      let k = j + 1;
      while (k < n && (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x0a || text.charCodeAt(k) === 0x0d || text.charCodeAt(k) === 0x09)) k++;
      if (top?.keys && text.charCodeAt(k) === 0x3a) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? JSON.parse(`"${raw}"`) as string : raw;
        if (top.keys.has(key)) found.push(top.path ? `${top.path}.${key}` : key);
        top.keys.add(key);
        top.key = key;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const path = childPath();
      stack.push({ keys: c === 0x7b ? new Set() : undefined, path, key: undefined, index: 0 });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
    }
    i++;
  }
  return found;
}
