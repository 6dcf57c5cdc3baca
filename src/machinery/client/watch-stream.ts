import type { Readable } from 'node:stream';
import type { KubeObject } from '../../api/object.js';
import { isStatus, type Status } from './client-error.js';

/** One watch event, typed: ERROR carries the Status the server sent instead of an object. */
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: { metadata: { resourceVersion?: string; annotations?: Record<string, string> } } }
  | { type: 'ERROR'; status: Status };

/**
 * Reads a watch response body (one JSON object per line) and calls `onEvent` for each event in
 * order. Resolves when the body ends (the server closed the watch) or is destroyed after
 * `stopped()` says so; rejects on a malformed line or a broken connection.
 */
export async function readWatchStream<T extends KubeObject>(
  body: Readable,
  onEvent: (ev: WatchEvent<T>) => void,
  stopped: () => boolean,
): Promise<void> {
  let buf = '';
  body.setEncoding('utf8');
  try {
    for await (const chunk of body as AsyncIterable<string>) {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '' || stopped()) continue;
        onEvent(parseWatchLine<T>(line));
      }
    }
  } catch (err) {
    if (stopped()) return;
    throw err;
  }
  const rest = buf.trim();
  if (rest !== '' && !stopped()) onEvent(parseWatchLine<T>(rest));
}

/** Parses one `{"type":..,"object":..}` line. Throws on anything else. Pure. */
export function parseWatchLine<T extends KubeObject>(line: string): WatchEvent<T> {
  const raw = JSON.parse(line) as { type?: unknown; object?: unknown };
  switch (raw.type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type: raw.type, object: raw.object as T };
    case 'BOOKMARK':
      return { type: 'BOOKMARK', object: raw.object as { metadata: { resourceVersion?: string } } };
    case 'ERROR':
      if (isStatus(raw.object)) return { type: 'ERROR', status: raw.object };
      return {
        type: 'ERROR',
        status: { code: 500, reason: 'InternalError', message: `watch error: ${JSON.stringify(raw.object)}` },
      };
    default:
      throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  }
}
