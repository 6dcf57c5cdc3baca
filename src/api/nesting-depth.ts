/**
 * How deeply objects and arrays may nest in a request body or a stored object.
 *
 * Kubernetes' JSON and YAML decoders stop at 10,000 levels (Go's encoding/json scanner and
 * go-yaml, "exceeded max depth"). Go's stacks grow on demand, so Kubernetes can walk objects that
 * deep; V8's stack is fixed (about 1 MB), and the walks a write goes through here overflow it far
 * earlier: structuredClone at about 2,000 levels, the YAML parser below 1,000 — and a stack
 * overflow inside V8's regular expression compiler (which the YAML parser reaches) is not an
 * exception but a fatal "RegExpCompiler Allocation failed" that ends the process. The limit is
 * therefore much lower than Kubernetes': far above what real objects nest (a Pod reaches about
 * 15 levels), with a wide margin below every walk. Depth counts as Go's scanner counts it: the
 * top-level object or array is level 1, scalars add nothing.
 *
 * The checks here are iterative (no recursion), so they are safe on any input.
 */
export const MAX_NESTING_DEPTH = 500;

/** The text of the 400 for a body nested too deeply (Go's scanner says "exceeded max depth"). */
export function tooDeepMessage(limit = MAX_NESTING_DEPTH): string {
  return `exceeded max depth of ${limit}`;
}

/**
 * True when syntactically valid JSON (a string, or UTF-8 bytes) nests deeper than `limit`. Text
 * shorter than 2 * (limit + 1) cannot (every level has an opening and a closing bracket), so it is
 * not scanned: most bodies cost one length comparison. Pure; linear in the length otherwise.
 */
export function jsonTooDeep(json: string | Uint8Array, limit = MAX_NESTING_DEPTH): boolean {
  if (json.length < 2 * (limit + 1)) return false;
  return typeof json === 'string' ? textTooDeep(json, limit) : bytesTooDeep(json, limit);
}

function textTooDeep(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string: to the next quote not escaped by a backslash.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

function bytesTooDeep(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      for (i++; i < n; i++) {
        const d = bytes[i];
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * An upper bound check for YAML text, run before the (recursive) YAML parser sees it: true when
 * the text might nest deeper than `limit`. Flow collections (`{`, `[` outside quotes) count one
 * level each; block nesting needs indentation or a `- `/`? ` indicator per level or two, so a line
 * whose leading blanks and indicators span `n` characters is taken to open up to 2n + 2 levels.
 * Conservative: legitimate YAML is hundreds of levels below the bound. Pure, linear.
 */
export function yamlMayBeTooDeep(text: string, limit = MAX_NESTING_DEPTH): boolean {
  let flow = 0;
  let quote = 0;
  let lineStart = true;
  let lead = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      lead = 0;
      // A single-quoted or plain scalar does not span lines with brackets that matter here;
      // a double-quoted one may, so only that quote stays open.
      if (quote === 0x27) quote = 0;
      continue;
    }
    if (lineStart) {
      if (c === 0x20 || c === 0x09 || c === 0x2d || c === 0x3f) {
        lead++;
        if (2 * lead + 2 + flow > limit) return true;
        continue;
      }
      lineStart = false;
    }
    if (quote !== 0) {
      if (quote === 0x22 && c === 0x5c) i++;
      else if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x7b || c === 0x5b) {
      if (++flow + 2 * lead + 2 > limit) return true;
    } else if ((c === 0x7d || c === 0x5d) && flow > 0) {
      flow--;
    }
  }
  return false;
}

/**
 * True when a parsed value (objects and arrays, as JSON.parse, the YAML parser or the protobuf
 * decoder give them) nests deeper than `limit`. Walks with an explicit stack; stops at the first
 * path that is too deep. Pure.
 */
export function valueTooDeep(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop() as object;
    const d = depths.pop() as number;
    if (d > limit) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) {
      if (typeof c === 'object' && c !== null) {
        values.push(c);
        depths.push(d + 1);
      }
    }
  }
  return false;
}

/** True for the RangeError V8 throws when a recursive walk overflows the stack. */
export function isStackOverflow(err: unknown): boolean {
  // Some libraries wrap it (the YAML parser's errors carry its message and a position).
  return err instanceof Error && err.message.includes('Maximum call stack size exceeded');
}

/**
 * Removes the managedFields entries of a parsed object that nest too deeply to process, and
 * returns how many it removed. For objects stored before the depth limit existed: Kubernetes
 * treats managed fields it cannot decode as absent (its field manager resets them), and without
 * them such an object can be read, updated and deleted again. Mutates `obj`.
 */
export function dropTooDeepManagedFields(obj: { metadata?: { managedFields?: unknown[] } }): number {
  const entries = obj.metadata?.managedFields;
  if (!Array.isArray(entries)) return 0;
  // An entry sits three levels down: object, metadata, managedFields.
  const kept = entries.filter((e) => !valueTooDeep(e, MAX_NESTING_DEPTH - 3));
  const dropped = entries.length - kept.length;
  if (dropped > 0 && obj.metadata) {
    if (kept.length > 0) obj.metadata.managedFields = kept;
    else delete obj.metadata.managedFields;
  }
  return dropped;
}
