/**
 * The rows of a resource list as the server's Table format gives them, kept up to date by a Table
 * watch, and the filter and sort the user asked for. Pure: no DOM, no fetch (unit-tested in Node).
 */

export interface ColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  creationTimestamp?: string;
  resourceVersion?: string;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: ObjectMeta };
}

export interface Table {
  kind: 'Table';
  columnDefinitions?: ColumnDefinition[];
  rows?: TableRow[];
  metadata?: { resourceVersion?: string; continue?: string };
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Table | { kind?: string; code?: number; message?: string; metadata?: { resourceVersion?: string } };
}

export interface Row {
  key: string;
  meta: ObjectMeta;
  cells: unknown[];
}

/** The key of a row: namespace/name (uids change when an object is recreated; the row should too). */
export function rowKey(meta: ObjectMeta): string {
  return `${meta.namespace ?? ''}/${meta.name}`;
}

export class TableModel {
  columns: ColumnDefinition[] = [];
  readonly rows = new Map<string, Row>();
  resourceVersion = '';

  /** Replaces everything with a listed Table. */
  load(table: Table): void {
    this.columns = table.columnDefinitions ?? [];
    this.rows.clear();
    for (const r of table.rows ?? []) this.put(r);
    this.resourceVersion = table.metadata?.resourceVersion ?? '';
  }

  /**
   * Applies one watch event. Returns 'changed', 'same' (bookmark), or 'expired' when the server
   * says the resourceVersion is too old (410: list again).
   */
  apply(event: WatchEvent): 'changed' | 'same' | 'expired' {
    const obj = event.object;
    if (event.type === 'ERROR') {
      const code = 'code' in obj ? obj.code : undefined;
      return code === 410 ? 'expired' : 'same';
    }
    if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (event.type === 'BOOKMARK' || !('rows' in obj)) return 'same';
    const table = obj as Table;
    if (table.columnDefinitions && table.columnDefinitions.length > 0) this.columns = table.columnDefinitions;
    for (const r of table.rows ?? []) {
      const meta = r.object?.metadata;
      if (!meta) continue;
      if (event.type === 'DELETED') this.rows.delete(rowKey(meta));
      else this.put(r);
      if (meta.resourceVersion) this.resourceVersion = meta.resourceVersion;
    }
    return 'changed';
  }

  private put(r: TableRow): void {
    const meta = r.object?.metadata;
    if (!meta) return;
    const key = rowKey(meta);
    this.rows.set(key, { key, meta, cells: r.cells });
  }
}

export interface ViewOptions {
  /** Case-insensitive text every shown row contains (name, namespace, a cell or a label). */
  text: string;
  /** Index of the column to sort by (-1: namespace/name). */
  sortColumn: number;
  descending: boolean;
}

/** The rows to show: filtered by text, sorted. Ages sort by creation time, numbers as numbers. */
export function visibleRows(model: TableModel, o: ViewOptions): Row[] {
  const needle = o.text.trim().toLowerCase();
  const rows = [...model.rows.values()].filter((r) => !needle || haystack(r).includes(needle));
  const col = model.columns[o.sortColumn];
  const isAge = col !== undefined && col.name.toLowerCase() === 'age';
  const sign = o.descending ? -1 : 1;
  rows.sort((a, b) => {
    let c = 0;
    if (isAge) {
      // Younger first when ascending, as the column reads: 5s < 2m < 3d.
      c = (b.meta.creationTimestamp ?? '').localeCompare(a.meta.creationTimestamp ?? '');
    } else if (col) c = compareCells(a.cells[o.sortColumn], b.cells[o.sortColumn]);
    if (c === 0) c = a.key.localeCompare(b.key);
    return c * sign;
  });
  return rows;
}

function haystack(r: Row): string {
  const labels = Object.entries(r.meta.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return [r.key, ...r.cells.map(String), ...labels].join('\u0000').toLowerCase();
}

function compareCells(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''), undefined, { numeric: true });
}
