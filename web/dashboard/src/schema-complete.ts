/**
 * Schema-aware completion for the YAML editor, from the server's OpenAPI v3 (the document of the
 * object's group-version): the key path at the cursor is read from indentation, the schema is
 * followed along it ($ref, allOf, items, additionalProperties), and the object's properties are
 * offered with their types and descriptions. Pure: the editor wires it to CodeMirror.
 *
 * Deliberately simple: block-style YAML as `stringify` writes it; flow collections and anchors
 * are not followed (no completion there, nothing wrong offered).
 */

export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export interface OpenApiDocument {
  components?: { schemas?: Record<string, Schema> };
}

/** The schema of kind `group/version, kind` in `doc`, or undefined. */
export function rootSchema(doc: OpenApiDocument, group: string, version: string, kind: string): Schema | undefined {
  for (const s of Object.values(doc.components?.schemas ?? {}))
    if (
      s['x-kubernetes-group-version-kind']?.some((g) => g.group === group && g.version === version && g.kind === kind)
    )
      return s;
  return undefined;
}

function resolve(doc: OpenApiDocument, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 20) return s;
  if (s.$ref) return resolve(doc, doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')], depth + 1);
  if (s.allOf?.length === 1 && !s.properties) return resolve(doc, s.allOf[0], depth + 1);
  return s;
}

/** The schema at `path` (keys; '-' steps into a list item) below `root`. */
export function schemaAt(doc: OpenApiDocument, root: Schema, path: string[]): Schema | undefined {
  let s = resolve(doc, root);
  for (const step of path) {
    if (!s) return undefined;
    if (step === '-') s = resolve(doc, s.items);
    else if (s.properties?.[step]) s = resolve(doc, s.properties[step]);
    else if (typeof s.additionalProperties === 'object') s = resolve(doc, s.additionalProperties);
    else return undefined;
  }
  return s;
}

/**
 * The key path of the mapping the cursor's line belongs to: for `spec:\n  template:\n    |` it is
 * ['spec', 'template']; a `- ` list entry adds '-'. `line` is the cursor's line (0-based) and
 * `column` where the key being typed starts.
 */
export function yamlPathAt(lines: string[], line: number, column: number): string[] {
  const path: string[] = [];
  let indent = column;
  // After stepping into a list item the list's key may sit at the dash's column (compact style).
  let afterDash = false;
  const dash = /^(\s*)- /.exec(lines[line] ?? '');
  if (dash && column === (dash[1]?.length ?? 0) + 2) {
    path.unshift('-');
    indent = dash[1]?.length ?? 0;
    afterDash = true;
  }
  for (let i = line - 1; i >= 0 && (indent > 0 || afterDash); i--) {
    const text = lines[i] ?? '';
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    const lead = text.length - text.trimStart().length;
    const item = /^(\s*)-(\s+(.*))?$/.exec(text);
    const rest = item ? (item[3] ?? '') : text.trim();
    const key = /^([^\s:#'"][^:#]*?|"[^"]*"|'[^']*'):(\s+(\S.*)?)?$/.exec(rest);
    const opens = key !== null && (key[3] === undefined || /^[|>]/.test(key[3]));
    const name = key?.[1]?.replace(/^["']|["']$/g, '') ?? '';
    if (item) {
      const keyCol = lead + 2;
      if (keyCol === indent) {
        // A sibling key of the item we are in (its first key is on the dash line).
        path.unshift('-');
        indent = lead;
        afterDash = true;
      } else if (keyCol < indent && opens) {
        path.unshift('-', name);
        indent = lead;
        afterDash = true;
      } else if (lead < indent && rest === '') {
        path.unshift('-');
        indent = lead;
        afterDash = true;
      }
      continue;
    }
    if (key && opens && (lead < indent || (afterDash && lead === indent))) {
      path.unshift(name);
      indent = lead;
      afterDash = false;
    }
  }
  return path;
}

export interface Completion {
  label: string;
  type: string;
  detail?: string;
  info?: string;
}

/** The keys the schema allows at `path`, minus those already written there. */
export function completionsAt(doc: OpenApiDocument, root: Schema, path: string[], present: Set<string>): Completion[] {
  const s = schemaAt(doc, root, path);
  if (!s?.properties) return [];
  return Object.entries(s.properties)
    .filter(([k]) => !present.has(k))
    .map(([k, v]) => {
      const r = resolve(doc, v);
      return {
        label: k,
        type: 'property',
        detail: r?.type ?? (r?.properties ? 'object' : ''),
        info: (v.description ?? r?.description ?? '').slice(0, 400),
      };
    });
}
