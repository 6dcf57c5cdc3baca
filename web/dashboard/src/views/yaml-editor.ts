/**
 * The YAML editor of an object: CodeMirror 6 with completion of keys from the server's OpenAPI v3
 * (schema-complete.ts), a diff before applying (a server-side apply with dryRun=All, compared with
 * the object as it is), then the apply itself: `PATCH application/apply-patch+yaml` with
 * fieldManager `flotilla-dashboard` and force (the editor's text is the user's whole intent, as
 * `kubectl edit` overwrites). The resourceVersion stays in the text, so an object changed since
 * the editor opened is refused with a conflict instead of being overwritten unseen.
 * This module and CodeMirror are a chunk of their own, loaded when the editor opens.
 */
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { yaml as yamlLanguage } from '@codemirror/lang-yaml';
import { basicSetup, EditorView } from 'codemirror';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { parse, stringify } from 'yaml';
import { installAdoptedStyles } from '../adopted-style';
import { FIELD_MANAGER } from '../actions';
import { getJson, k8s } from '../api';
import { type ResourceKind, resourcePath } from '../discovery';
import { type DiffLine, hasChanges, lineDiff } from '../line-diff';
import { completionsAt, type OpenApiDocument, rootSchema, yamlPathAt } from '../schema-complete';
import type { KubeObject } from './object-detail';

/** What the editor shows and compares: the object without fields the server owns. */
export function editable(obj: KubeObject, keepResourceVersion: boolean): unknown {
  const o = structuredClone(obj) as KubeObject & { status?: unknown; metadata: Record<string, unknown> };
  for (const k of ['managedFields', 'creationTimestamp', 'generation', 'uid', 'selfLink']) delete o.metadata[k];
  if (!keepResourceVersion) delete o.metadata.resourceVersion;
  delete o.status;
  return o;
}

const docs = new Map<string, Promise<OpenApiDocument>>();
function openApi(kind: ResourceKind): Promise<OpenApiDocument> {
  const path = kind.group === '' ? `/openapi/v3/api/${kind.version}` : `/openapi/v3/apis/${kind.group}/${kind.version}`;
  let d = docs.get(path);
  if (!d) {
    d = getJson<OpenApiDocument>(path).catch(() => ({}));
    docs.set(path, d);
  }
  return d;
}

function schemaCompletion(kind: ResourceKind) {
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const word = ctx.matchBefore(/[A-Za-z0-9_$-]*/);
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    // Only where a key is being typed: at the start of a line (after indentation or "- ").
    if (!/^\s*(- )?[A-Za-z0-9_$-]*$/.test(before)) return null;
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const doc = await openApi(kind);
    const root = rootSchema(doc, kind.group, kind.version, kind.kind);
    if (!root) return null;
    const lines = ctx.state.doc.toString().split('\n');
    const column = word.from - line.from;
    const path = yamlPathAt(lines, line.number - 1, column);
    // Keys already written at this level: lines with the same indentation in the same block.
    const present = new Set<string>();
    for (let i = line.number - 2; i >= 0; i--) {
      const t = lines[i] ?? '';
      const lead = t.length - t.trimStart().length;
      if (t.trim() && lead < column && !/^\s*- /.test(t)) break;
      const m = /^\s*(?:- )?([^\s:]+):/.exec(t);
      if (m?.[1] && lead === column) present.add(m[1]);
    }
    const options = completionsAt(doc, root, path, present).map((c) => ({ ...c, apply: `${c.label}: ` }));
    return { from: word.from, options, validFor: /^[A-Za-z0-9_$-]*$/ };
  };
}

export function YamlEditor({ kind, obj, onClose }: { kind: ResourceKind; obj: KubeObject; onClose: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const [diff, setDiff] = useState<DiffLine[] | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const ns = obj.metadata.namespace;
  const name = obj.metadata.name;

  useEffect(() => {
    if (!host.current) return;
    installAdoptedStyles();
    const v = new EditorView({
      doc: stringify(editable(obj, true)),
      extensions: [
        basicSetup,
        yamlLanguage(),
        autocompletion({ override: [schemaCompletion(kind)] }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) setDiff(undefined);
        }),
      ],
      parent: host.current,
    });
    view.current = v;
    return () => v.destroy();
  }, []);

  const apply = async (dryRun: boolean): Promise<KubeObject> => {
    const text = view.current?.state.doc.toString() ?? '';
    parse(text); // a YAML syntax error shows here, with its line, before any request
    const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' });
    if (dryRun) q.set('dryRun', 'All');
    const res = await k8s(`${resourcePath(kind, ns, name)}?${q}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: text,
    });
    return (await res.json()) as KubeObject;
  };

  const preview = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const current = await getJson<KubeObject>(resourcePath(kind, ns, name));
      const after = await apply(true);
      const d = lineDiff(stringify(editable(current, false)), stringify(editable(after, false)));
      setDiff(d);
      if (!hasChanges(d)) setMessage({ ok: true, text: 'No changes.' });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const commit = async () => {
    setBusy(true);
    try {
      await apply(false);
      setMessage({ ok: true, text: 'Applied.' });
      onClose();
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return html`
    <div class="yaml-editor">
      <div class="editor" ref=${host}></div>
      <p class="editor-tools">
        <button type="button" class="show-diff" disabled=${busy} onClick=${preview}>Review changes</button>
        <button type="button" class="apply-yaml" disabled=${busy || !diff || !hasChanges(diff)} onClick=${commit}>Apply</button>
        <button type="button" class="cancel-edit" onClick=${onClose}>Cancel</button>
        <span class="hint">server-side apply as ${FIELD_MANAGER}</span>
      </p>
      ${message ? html`<p class=${message.ok ? 'editor-message' : 'editor-message error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>` : null}
      ${
        diff && hasChanges(diff)
          ? html`<pre class="diff" aria-label="Changes">${diff.map(
              (l) => html`<span class=${l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same'}>${l.op} ${l.text}</span>`,
            )}</pre>`
          : null
      }
    </div>`;
}
