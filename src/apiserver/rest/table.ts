import type { KubeObject } from '../../api/object.js';
import type { KindStrategy, TableColumn } from '../../api/kind-strategy.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** One row of a meta.k8s.io/v1 Table for an object, as a JSON string (cells from the kind's printer). */
export function tableRowJson(strategy: KindStrategy, obj: KubeObject, include: IncludeObject, now: Date): string {
  let cells: unknown[];
  try {
    cells = strategy.table.row(obj, now);
  } catch {
    cells = [obj.metadata.name ?? '', ...strategy.table.columns.slice(1).map(() => '')];
  }
  const row: Record<string, unknown> = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') {
    // managedFields are left out: no printer shows them and they are most of the bytes.
    const { managedFields: _omitted, ...metadata } = obj.metadata;
    row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
  }
  return JSON.stringify(row);
}

export function columnsJson(columns: TableColumn[]): string {
  return JSON.stringify(columns);
}

/** The start of a Table body, up to the opening of `rows`. */
export function tableHead(
  columns: TableColumn[],
  meta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
): string {
  return `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(meta)},"columnDefinitions":${columnsJson(columns)},"rows":[`;
}

/** A whole Table body from pre-rendered rows. */
export function tableJson(
  columns: TableColumn[],
  rows: string[],
  meta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
): string {
  return `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(meta)},"columnDefinitions":${columnsJson(columns)},"rows":[${rows.join(',')}]}`;
}
