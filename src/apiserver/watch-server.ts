import type { IncomingMessage, ServerResponse } from 'node:http';
import { toStatus, errors } from '../api/errors.js';
import type { ResourceCall, RestContext } from './rest/rest-context.js';
import type { CachedEvent, CachedObject } from './watch-cache.js';
import { selectionOf, selects, validateWatchOptions } from './rest/list-objects.js';
import { servedApiVersion, servedObjects, toServed } from './rest/version-conversion.js';
import type { KubeObject } from '../api/object.js';
import { includeObjectOf, tableRowJson, columnsJson } from './rest/table.js';
import { boolParam, intParam, optionalBoolParam } from '../machinery/params/query-params.js';

const BOOKMARK_INTERVAL_MS = 30_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const LINE_END = Buffer.from('}\n');
/**
 * A watcher whose queue holds this much more than its initial state is too slow to keep: its
 * stream is ended and the client watches again (Kubernetes' cacher likewise terminates a watcher
 * whose channel stays full).
 */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/**
 * Output is handed to the socket only while less than this is unsent there. The rest waits in the
 * watcher's queue as references to the shared event bytes: what is handed to a TLS socket is
 * copied and encrypted for that connection alone, so a slow watcher must not be handed much.
 */
const SOCKET_HIGH_WATER = 256 * 1024;
/** Queued pieces smaller than this are joined into one write (fewer HTTP chunks); larger ones go as they are. */
const COALESCE_BYTES = 64 * 1024;
const EVENT_OPEN = new Map<string, Buffer>();

/** `{"type":"<type>","object":`, one shared buffer per type. */
function eventOpen(type: string): Buffer {
  let b = EVENT_OPEN.get(type);
  if (!b) {
    b = Buffer.from(`{"type":"${type}","object":`);
    EVENT_OPEN.set(type, b);
  }
  return b;
}

/**
 * Serves a watch: a chunked stream of `{"type":..,"object":..}` lines. Starts with synthetic ADDED
 * events when resourceVersion is unset or "0" (or sendInitialEvents=true), else replays the cache's
 * events after the given revision (410 when they are gone), then follows live events. Each event's
 * line is built once per form and shared by every watcher that wants that form; each watcher
 * queues references to those shared bytes and feeds its socket only as the client reads (see
 * SOCKET_HIGH_WATER), and a watcher too slow to keep up is ended (MAX_QUEUED_BYTES).
 */
export function serveWatch(
  ctx: RestContext,
  call: ResourceCall,
  format: 'json' | 'table',
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const { rt, query, strategy } = call;
  validateWatchOptions(query);
  const sel = selectionOf(call);
  const rvParam = query.get('resourceVersion') ?? '';
  const sendInitialEvents = optionalBoolParam(query, 'sendInitialEvents');
  const sendInitial = sendInitialEvents === true || rvParam === '' || rvParam === '0';
  const bookmarks = boolParam(query, 'allowWatchBookmarks');
  const asked = intParam(query, 'timeoutSeconds') ?? 0;
  // 0 or less: kube-apiserver's default, a random 30-60 minutes; at most what a timer holds (24.8 days)
  const timeoutMs = Math.min(asked > 0 ? asked * 1000 : (1800 + Math.floor(Math.random() * 1800)) * 1000, MAX_TIMER_MS);
  const apiVersion = servedApiVersion(rt);
  const convert = rt.storageApiVersion !== apiVersion;
  const include = includeObjectOf(query);
  let sentColumns = false;

  let replay: CachedEvent[] | undefined = [];
  if (!sendInitial) {
    if (!/^\d+$/.test(rvParam))
      throw errors.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
    replay = ctx.cache.eventsSince(rt.storagePrefix, Number(rvParam));
  }

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  if (replay === undefined) {
    const gone = toStatus(errors.gone(`too old resource version: ${rvParam} (${ctx.cache.revision})`));
    res.end(`{"type":"ERROR","object":${JSON.stringify(gone.body)}}\n`);
    return;
  }

  // A CRD converting through a webhook: events are converted (asynchronously, in order) per watcher.
  const hooked = rt.custom?.conversionWebhook !== undefined;
  const objectBytes = (o: CachedObject, served?: KubeObject): Buffer => {
    if (format === 'table') {
      const obj = served ?? toServed(o.object(), rt, strategy);
      const row = tableRowJson(strategy, obj, include, ctx.now());
      return Buffer.from(
        `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"${o.revision}"},"rows":[${row}]}`,
      );
    }
    if (served) return Buffer.from(JSON.stringify(served));
    return convert ? Buffer.from(JSON.stringify(toServed(o.object(), rt, strategy))) : o.bytes;
  };
  const lineFor = (type: string, ev: CachedEvent | undefined, o: CachedObject, served?: KubeObject): Buffer => {
    const form = `${type}:${format}:${apiVersion}:${include}`;
    let line = served ? undefined : ev?.lines?.get(form);
    if (line === undefined) {
      line = Buffer.concat([eventOpen(type), objectBytes(o, served), LINE_END]);
      if (ev && !served) (ev.lines ??= new Map()).set(form, line);
    }
    if (format === 'table' && !sentColumns) {
      sentColumns = true;
      // Only the first table event carries the column definitions.
      return Buffer.from(
        line
          .toString('utf8')
          .replace('"rows":[', `"columnDefinitions":${columnsJson(strategy.table.columns)},"rows":[`),
      );
    }
    return line;
  };

  let closed = false;
  // Output not yet handed to the socket: shared buffers (event lines, cached object bytes).
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let budget = MAX_QUEUED_BYTES;
  // While the initial state or the replay is queued, the budget does not apply.
  let starting = true;
  const pump = (): void => {
    while (queue.length > 0 && !closed && res.writableLength < SOCKET_HIGH_WATER) {
      let chunk = queue.shift() as Buffer;
      if (chunk.length < COALESCE_BYTES && queue.length > 0 && queue[0].length < COALESCE_BYTES) {
        const parts = [chunk];
        let size = chunk.length;
        while (queue.length > 0 && queue[0].length < COALESCE_BYTES && size < COALESCE_BYTES) {
          const next = queue.shift() as Buffer;
          parts.push(next);
          size += next.length;
        }
        chunk = Buffer.concat(parts, size);
      }
      queuedBytes -= chunk.length;
      res.write(chunk);
    }
  };
  res.on('drain', pump);
  const write = (chunk: string | Buffer): void => {
    if (closed) return;
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    queue.push(b);
    queuedBytes += b.length;
    if (!starting && queuedBytes > budget) {
      // Too slow: what it has not received yet is dropped, the stream ends, the client re-watches.
      queue.length = 0;
      queuedBytes = 0;
      close();
      return;
    }
    pump();
  };
  // Webhook conversions finish in the order they were started: each waits for the one before.
  let pending: Promise<void> = Promise.resolve();
  const inOrder = (step: () => void | Promise<void>): void => {
    pending = pending.then(step).catch((err: unknown) => {
      // A failed conversion ends the watch with kube's ERROR event; the client watches again.
      if (!closed) write(`{"type":"ERROR","object":${JSON.stringify(toStatus(err).body)}}\n`);
      close();
    });
  };
  const writeConverted = (entries: { type: string; ev?: CachedEvent; o: CachedObject }[]): void => {
    if (entries.length === 0) return;
    inOrder(async () => {
      if (closed) return;
      const served = await servedObjects(
        ctx.cache,
        entries.map((e) => e.o.object()),
        rt,
        strategy,
      );
      for (const [i, e] of entries.entries()) write(lineFor(e.type, e.ev, e.o, served[i]));
    });
  };
  const emit = (events: CachedEvent[]): void => {
    const out: Buffer[] = [];
    const hookedOut: { type: string; ev: CachedEvent; o: CachedObject }[] = [];
    for (const ev of events) {
      const now = selects(call, sel, ev.current);
      const before = ev.previous !== undefined && selects(call, sel, ev.previous);
      let type: string | undefined;
      if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
      else if (ev.type === 'DELETED') type = before || now ? 'DELETED' : undefined;
      else if (now && before) type = 'MODIFIED';
      else if (now) type = 'ADDED';
      else if (before) type = 'DELETED';
      if (!type) continue;
      if (hooked) hookedOut.push({ type, ev, o: ev.current });
      else out.push(lineFor(type, ev, ev.current));
    }
    for (const line of out) write(line);
    writeConverted(hookedOut);
  };
  const bookmark = (initialEnd: boolean): void => {
    const ann = initialEnd ? ',"annotations":{"k8s.io/initial-events-end":"true"}' : '';
    const obj =
      format === 'table'
        ? `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"${ctx.cache.revision}"${ann}},"rows":[]}`
        : `{"kind":"${rt.kind}","apiVersion":"${apiVersion}","metadata":{"resourceVersion":"${ctx.cache.revision}"${ann}}}`;
    const line = `{"type":"BOOKMARK","object":${obj}}\n`;
    if (hooked) inOrder(() => write(line));
    else write(line);
  };

  // Initial state and subscription happen in one synchronous turn: no event can fall between them.
  if (sendInitial && sendInitialEvents !== false) {
    // The initial state is queued as the cache's own bytes, not copied per watcher.
    const direct = format === 'json' && !convert;
    const initial: { type: string; o: CachedObject }[] = [];
    for (const o of ctx.cache.list(rt.storagePrefix, call.namespace)) {
      if (!selects(call, sel, o)) continue;
      if (hooked) initial.push({ type: 'ADDED', o });
      else if (!direct) write(lineFor('ADDED', undefined, o));
      else for (const p of [eventOpen('ADDED'), o.bytes, LINE_END]) write(p);
    }
    // The whole initial state in one ConversionReview, as a list.
    writeConverted(initial);
    if (sendInitialEvents === true && bookmarks) bookmark(true);
  } else {
    emit(replay);
  }
  // Only what follows the initial state or the replay counts against the slow-watcher budget.
  budget += queuedBytes;
  starting = false;
  const unsubscribe = ctx.cache.subscribe({ prefix: rt.storagePrefix, onEvents: emit, onClose: () => close() });
  const bookmarkTimer = bookmarks ? setInterval(() => bookmark(false), BOOKMARK_INTERVAL_MS) : undefined;
  const timeout = setTimeout(() => close(), timeoutMs);
  function close(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    clearTimeout(timeout);
    res.off('drain', pump);
    // What is still queued (bounded by the budget) goes out before the end of the stream.
    for (const chunk of queue.splice(0)) res.write(chunk);
    queuedBytes = 0;
    res.end();
  }
  req.on('close', close);
  res.on('close', close);
}
