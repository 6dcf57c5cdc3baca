import type { KubeObject } from '../../api/object.js';
import type { KindStrategy } from '../../api/kind-strategy.js';
import { translateTimestampSince } from '../../api/kinds/duration.js';
import { tableRowJson, type IncludeObject } from './table.js';

/**
 * A table row kept with a cached object version, so listing as a Table does not parse every
 * object again. Most cells never change for one version; the AGE cell changes with the clock and
 * is recomputed from creationTimestamp. Rows with other clock-dependent cells (RESTARTS "(5m ago)",
 * LAST SEEN...) are reused only within the second they were rendered in.
 */
export interface RowMemo {
  /** When `json` was rendered (ms). */
  at: number;
  json: string;
  /** Present when only age cells depend on the clock: the row can be re-rendered without the object. */
  template?: { cells: unknown[]; ageIndexes: number[]; created: string; objectJson: string };
}

const FAR_FUTURE_MS = 400 * 24 * 3600 * 1000;

/** Renders a row and works out whether it can be re-rendered from a template later. */
export function memoizeRow(strategy: KindStrategy, obj: KubeObject, include: IncludeObject, now: Date): RowMemo {
  const json = tableRowJson(strategy, obj, include, now);
  const created = obj.metadata.creationTimestamp;
  let template: RowMemo['template'];
  if (created) {
    try {
      const a = strategy.table.row(obj, now);
      const later = new Date(now.getTime() + FAR_FUTURE_MS);
      const b = strategy.table.row(obj, later);
      const ageIndexes: number[] = [];
      let templatable = a.length === b.length;
      for (let i = 0; templatable && i < a.length; i++) {
        if (a[i] === b[i]) continue;
        if (a[i] === translateTimestampSince(created, now) && b[i] === translateTimestampSince(created, later))
          ageIndexes.push(i);
        else templatable = false;
      }
      if (templatable) {
        const row = JSON.parse(json) as { cells: unknown[]; object?: unknown };
        template = {
          cells: row.cells,
          ageIndexes,
          created,
          objectJson: row.object === undefined ? '' : JSON.stringify(row.object),
        };
      }
    } catch {
      template = undefined;
    }
  }
  return { at: now.getTime(), json, template };
}

/** The row at `now` from a memo, or undefined when it must be rendered from the object again. */
export function rowFromMemo(memo: RowMemo, now: Date): string | undefined {
  if (now.getTime() - memo.at < 1000) return memo.json;
  const t = memo.template;
  if (!t) return undefined;
  const cells = t.cells.slice();
  for (const i of t.ageIndexes) cells[i] = translateTimestampSince(t.created, now);
  return t.objectJson
    ? `{"cells":${JSON.stringify(cells)},"object":${t.objectJson}}`
    : `{"cells":${JSON.stringify(cells)}}`;
}
