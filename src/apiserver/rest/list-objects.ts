import type { KubeObject } from '../../api/object.js';
import { ApiError, errors, fieldErrors, type FieldError } from '../../api/errors.js';
import {
  parseLabelSelector,
  parseFieldSelector,
  type LabelSelector,
  type FieldSelector,
} from '../../api/selectors/index.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import type { CachedObject } from '../watch-cache.js';
import { CompactedError } from '../../store/store.js';
import { selectableFields, supportsField } from './selectable-fields.js';
import { servedApiVersion, servedObjects, toServed } from './version-conversion.js';
import { decodeObject } from './storage-key.js';
import { includeObjectOf, tableHead, tableRowJson } from './table.js';
import { memoizeRow, rowFromMemo, type RowMemo } from './table-row-memo.js';
import { intParam } from '../../machinery/params/query-params.js';

export interface Selection {
  labels: LabelSelector;
  fields: FieldSelector;
}

/** The label and field selectors of a list or watch (400 on malformed or unsupported ones). */
export function selectionOf(call: ResourceCall): Selection {
  const { rt, strategy, query } = call;
  return {
    labels: parseLabelSelector(query.get('labelSelector')),
    fields: parseFieldSelector(query.get('fieldSelector'), (f) => supportsField(rt, strategy, f)),
  };
}

/** Whether a cached object is in a request's scope and selection. */
export function selects(call: ResourceCall, sel: Selection, o: CachedObject): boolean {
  if (call.namespace !== '' && o.namespace !== call.namespace) return false;
  return sel.labels.matches(o.labels) && sel.fields.matches(o.fields);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'flotilla/1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (t.v !== 'flotilla/1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return { rv: t.rv, start: t.start };
  } catch {
    throw errors.badRequest('continue key is not valid: malformed continue token');
  }
}

/**
 * LIST as a <Kind>List or a Table, in pieces to stream. Served from the watch cache after it has caught
 * up with the store (a consistent read, as Kubernetes does since 1.31); continuation pages read the
 * store at the first page's revision so paging is a consistent snapshot.
 */
export async function listObjects(ctx: RestContext, call: ResourceCall, format: 'json' | 'table'): Promise<ListBody> {
  const { rt, query } = call;
  const sel = selectionOf(call);
  // A negative limit means no limit, as in Kubernetes (only limit > 0 pages).
  const limit = Math.max(0, intParam(query, 'limit') ?? 0);
  const cont = query.get('continue');
  const rvParam = query.get('resourceVersion') ?? '';
  const match = validateListOptions(query);

  let items: ListItem[];
  let revision: number;
  let more = false;
  let remaining: number | undefined;
  if (rvParam !== '' && rvParam !== '0' && !/^\d+$/.test(rvParam))
    throw errors.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
  if (cont) {
    const token = decodeContinue(cont);
    const page = await readStorePage(ctx, call, sel, token, limit);
    ({ items, revision, more } = page);
  } else if (match === 'Exact') {
    // The state at exactly that revision, read from the store (as Kubernetes reads etcd at it):
    // never the current state; 410 once compaction has removed it, 504 for a future revision.
    const wanted = Number(rvParam);
    await ctx.cache.waitFor(await ctx.store.currentRevision());
    if (wanted > ctx.cache.revision) throw tooLargeResourceVersion(wanted, ctx.cache.revision);
    const page = await readStorePage(ctx, call, sel, { rv: wanted, start: '' }, limit, EXACT_TOO_OLD);
    ({ items, revision, more } = page);
  } else {
    if (rvParam === '') {
      const current = await ctx.store.currentRevision();
      await ctx.cache.waitFor(current);
    } else if (rvParam !== '0' && Number(rvParam) > ctx.cache.revision) {
      // Not older than a revision the cache has not seen yet: wait a little for it, as Kubernetes does.
      const wanted = Number(rvParam);
      if (!(await ctx.cache.waitFor(wanted, TOO_LARGE_WAIT_MS)))
        throw tooLargeResourceVersion(wanted, ctx.cache.revision);
    }
    revision = ctx.cache.revision;
    const all = ctx.cache.list(rt.storagePrefix, call.namespace);
    items = [];
    let matched = 0;
    for (const o of all) {
      if (!selects(call, sel, o)) continue;
      matched++;
      if (limit > 0 && items.length >= limit) {
        more = true;
        continue;
      }
      items.push(o);
    }
    if (more) remaining = matched - items.length;
  }
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    resourceVersion: String(revision),
  };
  if (more && items.length > 0) {
    meta.continue = encodeContinue({ rv: revision, start: items[items.length - 1].key });
    if (remaining !== undefined && sel.labels.requirements.length === 0 && sel.fields.requirements.length === 0)
      meta.remainingItemCount = remaining;
  }
  const needsConversion = rt.storageApiVersion !== servedApiVersion(rt);
  const { strategy } = call;
  if (rt.custom?.conversionWebhook) return convertedList(ctx, call, format, meta, items);
  if (format === 'table') {
    const include = includeObjectOf(query);
    const now = ctx.now();
    const rowOf = (i: ListItem) =>
      cachedTableRow(i, include, now, () =>
        memoizeRow(strategy, toServed(JSON.parse(i.bytes.toString('utf8')) as KubeObject, rt, strategy), include, now),
      );
    return {
      head: tableHead(strategy.table.columns, meta),
      items: items.length,
      *parts() {
        for (let i = 0; i < items.length; i += LIST_BATCH)
          yield items
            .slice(i, i + LIST_BATCH)
            .map(rowOf)
            .join(',');
      },
      tail: ']}',
    };
  }
  const bytesOf = needsConversion
    ? (i: ListItem) =>
        Buffer.from(JSON.stringify(toServed(JSON.parse(i.bytes.toString('utf8')) as KubeObject, rt, strategy)))
    : (i: ListItem) => i.bytes;
  return {
    head: `{"kind":"${rt.listKind}","apiVersion":"${servedApiVersion(rt)}","metadata":${JSON.stringify(meta)},"items":[`,
    items: items.length,
    *parts() {
      for (let i = 0; i < items.length; i += LIST_BATCH) yield joinBytes(items.slice(i, i + LIST_BATCH).map(bytesOf));
    },
    tail: ']}',
  };
}

/** Items are serialised and sent this many at a time, so a big list neither builds one huge string nor blocks the loop. */
const LIST_BATCH = 500;

type ListItem = { key: string; bytes: Buffer; rows?: Map<string, RowMemo> };

const COMMA = Buffer.from(',');

/** Items joined with commas, in one copy. */
function joinBytes(parts: Buffer[]): Buffer {
  const withCommas: Buffer[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) withCommas.push(COMMA);
    withCommas.push(parts[i]);
  }
  return Buffer.concat(withCommas);
}

/** A list response in pieces: `head`, the `parts()` joined with commas, then `tail`. */
export interface ListBody {
  head: string;
  items: number;
  parts(): Generator<string | Buffer>;
  tail: string;
}

/** A table row from the object version's memo when it still holds, else rendered (parsing the object) and memoized. */
function cachedTableRow(item: ListItem, include: string, now: Date, render: () => RowMemo): string {
  const memo = (item.rows ??= new Map());
  const hit = memo.get(include);
  const reused = hit && rowFromMemo(hit, now);
  if (reused !== undefined) return reused;
  const fresh = render();
  memo.set(include, fresh);
  return fresh.json;
}

/** Kubernetes' answer to a list at an exact revision compaction has removed. */
const EXACT_TOO_OLD = 'The resourceVersion for the provided list is too old.';
const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';
/** How long a list waits for a resourceVersion newer than the cache's (Kubernetes waits 3 s). */
const TOO_LARGE_WAIT_MS = 3000;

/**
 * metav1 ListOptions checks of a list (not a watch), as Kubernetes' ValidateListOptions makes
 * them: a 422 `ListOptions.meta.k8s.io "" is invalid` naming each parameter. Returns the
 * resourceVersionMatch ('' when absent).
 */
export function validateListOptions(query: URLSearchParams): '' | 'Exact' | 'NotOlderThan' {
  const match = query.get('resourceVersionMatch') ?? '';
  const rv = query.get('resourceVersion') ?? '';
  const problems: FieldError[] = [];
  if (match !== '') {
    if (rv === '')
      problems.push(
        fieldErrors.forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        ),
      );
    if (query.get('continue'))
      problems.push(
        fieldErrors.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'),
      );
    if (match !== 'Exact' && match !== 'NotOlderThan')
      problems.push(fieldErrors.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && rv === '0')
      problems.push(
        fieldErrors.forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        ),
      );
  }
  if (query.get('sendInitialEvents') !== null)
    problems.push(fieldErrors.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  if (problems.length > 0) throw errors.invalid('ListOptions', '', problems, 'meta.k8s.io');
  return match as '' | 'Exact' | 'NotOlderThan';
}

/**
 * The resourceVersionMatch checks of a watch, as Kubernetes' validateWatchOptions makes them: only
 * NotOlderThan, and only together with sendInitialEvents. (Kubernetes also requires that match
 * whenever sendInitialEvents is set; that rule is left out so older clients keep working.)
 */
export function validateWatchOptions(query: URLSearchParams): void {
  const match = query.get('resourceVersionMatch') ?? '';
  if (match === '') return;
  const problems: FieldError[] = [];
  if (query.get('sendInitialEvents') === null)
    problems.push(
      fieldErrors.forbidden(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      ),
    );
  if (match !== 'NotOlderThan')
    problems.push(fieldErrors.notSupported('resourceVersionMatch', match, ['NotOlderThan']));
  if (query.get('continue'))
    problems.push(
      fieldErrors.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'),
    );
  if (problems.length > 0) throw errors.invalid('ListOptions', '', problems, 'meta.k8s.io');
}

/** 504 for a resourceVersion the server has not reached, as Kubernetes' NewTooLargeResourceVersionError. */
function tooLargeResourceVersion(wanted: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${wanted}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

async function readStorePage(
  ctx: RestContext,
  call: ResourceCall,
  sel: Selection,
  token: ContinueToken,
  limit: number,
  tooOld = CONTINUE_TOO_OLD,
) {
  const prefix = call.namespace ? `${call.rt.storagePrefix}${call.namespace}/` : call.rt.storagePrefix;
  const items: ListItem[] = [];
  let startAfter = token.start;
  let more = false;
  try {
    for (;;) {
      const page = await ctx.store.list(prefix, { startAfter, revision: token.rv, limit: Math.max(limit, 500) });
      for (const v of page.items) {
        startAfter = v.key;
        const obj = decodeObject<KubeObject>(v.value);
        obj.metadata.resourceVersion = String(v.modRevision);
        const labels = obj.metadata.labels ?? {};
        if (!sel.labels.matches(labels) || !sel.fields.matches(selectableFields(call.strategy, obj))) continue;
        if (limit > 0 && items.length >= limit) {
          more = true;
          break;
        }
        items.push({ key: v.key, bytes: Buffer.from(JSON.stringify(obj)) });
      }
      if (more || !page.more) break;
    }
  } catch (e) {
    if (e instanceof CompactedError) throw errors.gone(tooOld);
    throw e;
  }
  return { items, revision: token.rv, more };
}

/**
 * A list of a CRD that converts through a webhook: every item that is not in the served version
 * goes to the webhook in one ConversionReview (kube-apiserver converts a list's items together);
 * a failed conversion fails the whole list. No per-item memos: the webhook decides the form.
 */
async function convertedList(
  ctx: RestContext,
  call: ResourceCall,
  format: 'json' | 'table',
  meta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  items: ListItem[],
): Promise<ListBody> {
  const { rt, strategy } = call;
  const stored = items.map((i) => JSON.parse(i.bytes.toString('utf8')) as KubeObject);
  const served = await servedObjects(ctx.cache, stored, rt, strategy);
  const batches = function* (encode: (o: KubeObject) => string) {
    for (let i = 0; i < served.length; i += LIST_BATCH)
      yield served
        .slice(i, i + LIST_BATCH)
        .map(encode)
        .join(',');
  };
  if (format === 'table') {
    const include = includeObjectOf(call.query);
    const now = ctx.now();
    return {
      head: tableHead(strategy.table.columns, meta),
      items: served.length,
      parts: () => batches((o) => tableRowJson(strategy, o, include, now)),
      tail: ']}',
    };
  }
  return {
    head: `{"kind":"${rt.listKind}","apiVersion":"${servedApiVersion(rt)}","metadata":${JSON.stringify(meta)},"items":[`,
    items: served.length,
    parts: () => batches((o) => JSON.stringify(o)),
    tail: ']}',
  };
}
