/**
 * The action buttons of an object's page (scale, rollout restart / undo / pause / resume, cordon,
 * uncordon, drain, delete), each made with the user's own session. A button the user may not use
 * (SelfSubjectAccessReview says no) is disabled; the server still refuses a forced request, and its
 * Status is shown.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { accessKey, useAccess } from '../access';
import {
  type ActionId,
  accessFor,
  actionsFor,
  type ApiRequest,
  cordonRequest,
  type Deployment,
  deleteRequest,
  drainPlan,
  type DrainPlan,
  evictionRequest,
  type Pod,
  pauseRequest,
  type ReplicaSet,
  restartRequest,
  scaleRequest,
  selectorOf,
  type Target,
  undoRequest,
} from '../actions';
import { ApiFailure, getJson, k8s } from '../api';
import { href } from '../router';

/** Sends one action request; resolves to the reply's JSON (or undefined). */
export async function send(r: ApiRequest): Promise<unknown> {
  const res = await k8s(r.path, {
    method: r.method,
    headers: { 'Content-Type': r.contentType },
    body: JSON.stringify(r.body),
  });
  return res.status === 204 ? undefined : res.json().catch(() => undefined);
}

const LABELS: Record<ActionId, string> = {
  scale: 'Scale',
  restart: 'Restart',
  undo: 'Undo rollout',
  pause: 'Pause',
  resume: 'Resume',
  cordon: 'Cordon',
  uncordon: 'Uncordon',
  drain: 'Drain…',
  delete: 'Delete…',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Props {
  target: Target;
  obj: { spec?: { replicas?: number; paused?: boolean; unschedulable?: boolean } } & Deployment;
  /** The object was deleted: every button is disabled; the last outcome stays shown. */
  gone?: boolean;
}

export function ObjectActions({ target, obj, gone = false }: Props) {
  const actions = actionsFor(target);
  const checks = actions.flatMap((a) => accessFor(a, target));
  const answers = useAccess(checks);
  const allowed = (a: ActionId) => accessFor(a, target).every((c) => answers.get(accessKey(c)) === true);
  const [replicas, setReplicas] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [confirm, setConfirm] = useState<'delete' | 'drain' | undefined>(undefined);
  const [drainOpts, setDrainOpts] = useState({ force: false, deleteEmptyDirData: false });
  const [plan, setPlan] = useState<DrainPlan | undefined>(undefined);

  if (actions.length === 0) return null;

  const run = async (what: string, work: () => Promise<string | undefined>) => {
    setBusy(true);
    setResult(undefined);
    try {
      const text = await work();
      setResult({ ok: true, text: text ?? `${what}: done` });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      setResult({ ok: false, text: `${what} failed: ${msg}` });
    } finally {
      setBusy(false);
      setProgress('');
    }
  };

  const click: Record<ActionId, () => void> = {
    scale: () =>
      run('scale', async () => {
        const n = Number(replicas === '' ? (obj.spec?.replicas ?? 0) : replicas);
        await send(scaleRequest(target, n));
        return `scaled to ${n}`;
      }),
    restart: () =>
      run('restart', async () => {
        await send(restartRequest(target, new Date()));
        return 'restarted';
      }),
    undo: () =>
      run('undo', async () => {
        const ns = encodeURIComponent(target.namespace ?? 'default');
        const list = await getJson<{ items?: ReplicaSet[] }>(
          `/apis/apps/v1/namespaces/${ns}/replicasets?${new URLSearchParams({ labelSelector: selectorOf(obj) })}`,
        );
        await send(undoRequest(target, obj, list.items ?? []));
        return 'rolled back';
      }),
    pause: () => run('pause', async () => void (await send(pauseRequest(target, true)))),
    resume: () => run('resume', async () => void (await send(pauseRequest(target, false)))),
    cordon: () => run('cordon', async () => void (await send(cordonRequest(target, true)))),
    uncordon: () => run('uncordon', async () => void (await send(cordonRequest(target, false)))),
    drain: () => {
      setPlan(undefined);
      setConfirm('drain');
    },
    delete: () => setConfirm('delete'),
  };

  const doDelete = () =>
    run('delete', async () => {
      await send(deleteRequest(target));
      setConfirm(undefined);
      return `${target.kind.kind} ${target.name} deleted`;
    });

  /** kubectl drain: cordon, then evict every pod the plan allows (retrying budgets' 429), then wait for them to go. */
  const doDrain = () =>
    run('drain', async () => {
      await send(cordonRequest(target, true));
      const pods = await getJson<{ items?: Pod[] }>(
        `/api/v1/pods?${new URLSearchParams({ fieldSelector: `spec.nodeName=${target.name}` })}`,
      );
      const p = drainPlan(pods.items ?? [], drainOpts);
      setPlan(p);
      if (p.blocked.length > 0) throw new Error(`cordoned, but ${p.blocked.length} pod(s) block the drain`);
      const deadline = Date.now() + 120_000;
      for (const pod of p.evict) {
        for (;;) {
          try {
            await send(evictionRequest(pod));
            break;
          } catch (e) {
            if (e instanceof ApiFailure && e.code === 404) break;
            if (!(e instanceof ApiFailure && e.code === 429) || Date.now() > deadline) throw e;
            await sleep(5000);
          }
        }
      }
      // As kubectl drain: done when the evicted pods are gone (their uids no longer on the node).
      const evicted = new Set(p.evict.map((e) => e.metadata.uid));
      for (;;) {
        const left = await getJson<{ items?: Pod[] }>(
          `/api/v1/pods?${new URLSearchParams({ fieldSelector: `spec.nodeName=${target.name}` })}`,
        );
        const waiting = (left.items ?? []).filter((x) => evicted.has(x.metadata.uid)).length;
        if (waiting === 0) break;
        if (Date.now() > deadline) throw new Error(`${waiting} evicted pod(s) still terminating`);
        setProgress(`waiting for ${waiting} evicted pod(s) to terminate…`);
        await sleep(1000);
      }
      setConfirm(undefined);
      return `drained: ${p.evict.length} pod(s) evicted, ${p.skipped.length} left (DaemonSet or mirror)`;
    });

  const disabledTitle = (a: ActionId) =>
    answers.size === 0 ? 'checking permissions…' : allowed(a) ? '' : 'you may not do this (RBAC)';
  const button = (a: ActionId) =>
    html`<button type="button" class=${`action action-${a}`} disabled=${busy || gone || !allowed(a)}
      title=${disabledTitle(a)} onClick=${click[a]}>${LABELS[a]}</button>`;

  return html`
    <div class="actions" role="toolbar" aria-label="Actions">
      ${actions.map((a) =>
        a === 'scale'
          ? html`<span class="scale">
              <label>Replicas <input type="number" min="0" class="replicas" value=${replicas === '' ? String(obj.spec?.replicas ?? 0) : replicas}
                disabled=${!allowed('scale')}
                onInput=${(e: Event) => setReplicas((e.target as HTMLInputElement).value)} /></label>
              ${button(a)}</span>`
          : button(a),
      )}
      ${busy ? html`<span class="hint">${progress || 'working…'}</span>` : null}
    </div>
    ${
      confirm === 'delete' && !gone
        ? html`<div class="confirm" role="alertdialog" aria-label="Confirm delete">
            <p>Delete ${target.kind.kind} <strong>${target.namespace ? `${target.namespace}/` : ''}${target.name}</strong>? This cannot be undone.</p>
            <button type="button" class="danger confirm-delete" disabled=${busy} onClick=${doDelete}>Delete</button>
            <button type="button" onClick=${() => setConfirm(undefined)}>Cancel</button>
          </div>`
        : null
    }
    ${
      confirm === 'drain'
        ? html`<div class="confirm" role="alertdialog" aria-label="Confirm drain">
            <p>Drain node <strong>${target.name}</strong>: cordon it, then evict its pods (DaemonSet and mirror pods stay; PodDisruptionBudgets are respected).</p>
            <label><input type="checkbox" class="drain-force" checked=${drainOpts.force}
              onChange=${(e: Event) => setDrainOpts({ ...drainOpts, force: (e.target as HTMLInputElement).checked })} /> also pods no controller recreates</label>
            <label><input type="checkbox" class="drain-emptydir" checked=${drainOpts.deleteEmptyDirData}
              onChange=${(e: Event) => setDrainOpts({ ...drainOpts, deleteEmptyDirData: (e.target as HTMLInputElement).checked })} /> also pods with emptyDir data</label>
            <p><button type="button" class="danger confirm-drain" disabled=${busy} onClick=${doDrain}>Drain</button>
            <button type="button" onClick=${() => setConfirm(undefined)}>Cancel</button></p>
            ${
              plan?.blocked.length
                ? html`<ul class="blocked">${plan.blocked.map(
                    (b) =>
                      html`<li><a href=${href('object', { g: '', v: 'v1', r: 'pods', ns: b.pod.metadata.namespace, n: b.pod.metadata.name })}>${b.pod.metadata.namespace}/${b.pod.metadata.name}</a>: ${b.reason}</li>`,
                  )}</ul>`
                : null
            }
          </div>`
        : null
    }
    ${result ? html`<p class=${result.ok ? 'action-result' : 'action-error error'} role=${result.ok ? 'status' : 'alert'}>${result.text}</p>` : null}`;
}
