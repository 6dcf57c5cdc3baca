/**
 * Create from pasted YAML (one or more documents, `---` between them), as `kubectl create -f`:
 * each document is POSTed to its kind's collection (found in discovery by apiVersion and kind)
 * with the user's own session and fieldManager `flotilla-dashboard`. Each document's outcome is
 * listed; a failure does not stop the others.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { parseAllDocuments } from 'yaml';
import { FIELD_MANAGER } from '../actions';
import { k8s } from '../api';
import { type ResourceKind, resourcePath } from '../discovery';
import { href } from '../router';

interface Outcome {
  ok: boolean;
  text: string;
  link?: string;
}

/** The kind of `doc` among `kinds`, with the document's own version. */
export function kindOf(kinds: ResourceKind[], doc: { apiVersion?: string; kind?: string }): ResourceKind | undefined {
  const [group, version] = (doc.apiVersion ?? '').includes('/')
    ? (doc.apiVersion ?? '').split('/')
    : ['', doc.apiVersion ?? ''];
  const k = kinds.find((x) => x.group === group && x.kind === doc.kind);
  return k && version ? { ...k, version } : undefined;
}

export function CreateFromYaml({ kinds }: { kinds: ResourceKind[] }) {
  const [text, setText] = useState('');
  const [namespace, setNamespace] = useState('default');
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const out: Outcome[] = [];
    try {
      const docs = parseAllDocuments(text);
      for (const [i, d] of (Array.isArray(docs) ? docs : [docs]).entries()) {
        if (d.errors.length > 0) {
          out.push({ ok: false, text: `document ${i + 1}: ${d.errors[0]?.message ?? 'YAML error'}` });
          continue;
        }
        const obj = d.toJS() as {
          apiVersion?: string;
          kind?: string;
          metadata?: { name?: string; namespace?: string };
        } | null;
        if (!obj) continue;
        const kind = kindOf(kinds, obj);
        if (!kind) {
          out.push({
            ok: false,
            text: `document ${i + 1}: the server serves no ${obj.kind ?? '(kind missing)'} in ${obj.apiVersion ?? '(apiVersion missing)'}`,
          });
          continue;
        }
        const ns = kind.namespaced ? (obj.metadata?.namespace ?? namespace) : undefined;
        try {
          const res = await k8s(`${resourcePath(kind, ns)}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(obj),
          });
          const made = (await res.json()) as { metadata: { name: string; namespace?: string } };
          out.push({
            ok: true,
            text: `${kind.kind} ${made.metadata.namespace ? `${made.metadata.namespace}/` : ''}${made.metadata.name} created`,
            link: href('object', {
              g: kind.group,
              v: kind.version,
              r: kind.resource,
              ns: made.metadata.namespace,
              n: made.metadata.name,
            }),
          });
        } catch (err) {
          out.push({ ok: false, text: `${obj.kind} ${obj.metadata?.name ?? ''}: ${(err as Error).message}` });
        }
      }
    } finally {
      setOutcomes(out);
      setBusy(false);
    }
  };

  return html`
    <section class="create">
      <h1>Create from YAML</h1>
      <form onSubmit=${create}>
        <label class="block">Namespace (for documents that name none)
          <input name="namespace" value=${namespace} onInput=${(e: Event) => setNamespace((e.target as HTMLInputElement).value)} /></label>
        <label class="block">Manifests
          <textarea id="create-yaml" spellcheck=${false} rows="20" value=${text}
            onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea></label>
        <p><button type="submit" class="create-submit" disabled=${busy || text.trim() === ''}>Create</button></p>
      </form>
      <ul class="outcomes">${outcomes.map(
        (o) =>
          html`<li class=${o.ok ? 'created' : 'error'}>${o.link ? html`<a href=${o.link}>${o.text}</a>` : o.text}</li>`,
      )}</ul>
    </section>`;
}
