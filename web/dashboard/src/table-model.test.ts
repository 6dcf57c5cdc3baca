import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Table, TableModel, visibleRows } from './table-model.ts';

const columns = [
  { name: 'Name', type: 'string', format: 'name' },
  { name: 'Ready', type: 'string' },
  { name: 'Restarts', type: 'integer' },
  { name: 'Age', type: 'string' },
];
const row = (name: string, ready: string, restarts: number, created: string, labels: Record<string, string> = {}) => ({
  cells: [name, ready, restarts, '1m'],
  object: { metadata: { name, namespace: 'default', labels, creationTimestamp: created, resourceVersion: '0' } },
});
const table = (rows: ReturnType<typeof row>[], rv = '10', withColumns = true): Table => ({
  kind: 'Table',
  ...(withColumns ? { columnDefinitions: columns } : {}),
  rows,
  metadata: { resourceVersion: rv },
});

test('a listed Table is loaded; watch events add, change and remove rows', () => {
  const m = new TableModel();
  m.load(table([row('a', '1/1', 0, '2026-01-01T00:00:00Z'), row('b', '0/1', 2, '2026-01-02T00:00:00Z')]));
  assert.equal(m.rows.size, 2);
  assert.equal(m.resourceVersion, '10');
  assert.equal(
    m.apply({ type: 'MODIFIED', object: table([row('a', '0/1', 1, '2026-01-01T00:00:00Z')], '11', false) }),
    'changed',
  );
  assert.deepEqual(m.rows.get('default/a')?.cells, ['a', '0/1', 1, '1m']);
  assert.equal(m.columns.length, 4, 'a watch event without columns keeps them');
  m.apply({ type: 'ADDED', object: table([row('c', '1/1', 0, '2026-01-03T00:00:00Z')], '12', false) });
  m.apply({ type: 'DELETED', object: table([row('b', '0/1', 2, '2026-01-02T00:00:00Z')], '13', false) });
  assert.deepEqual([...m.rows.keys()], ['default/a', 'default/c']);
  assert.equal(m.apply({ type: 'BOOKMARK', object: { kind: 'Table', metadata: { resourceVersion: '20' } } }), 'same');
  assert.equal(m.resourceVersion, '20');
  assert.equal(m.apply({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old' } }), 'expired');
});

test('rows are filtered by text (cells, name, labels) and sorted by a column, ages by creation time', () => {
  const m = new TableModel();
  m.load(
    table([
      row('web-10', '1/1', 10, '2026-01-01T00:00:00Z', { app: 'web' }),
      row('web-9', '1/1', 9, '2026-01-03T00:00:00Z', { app: 'web' }),
      row('db', '0/1', 0, '2026-01-02T00:00:00Z', { tier: 'data' }),
    ]),
  );
  const names = (o: { text?: string; sortColumn?: number; descending?: boolean }) =>
    visibleRows(m, { text: o.text ?? '', sortColumn: o.sortColumn ?? 0, descending: o.descending ?? false }).map(
      (r) => r.meta.name,
    );
  assert.deepEqual(names({}), ['db', 'web-9', 'web-10'], 'names sort with numbers as numbers');
  assert.deepEqual(names({ descending: true }), ['web-10', 'web-9', 'db']);
  assert.deepEqual(names({ sortColumn: 2 }), ['db', 'web-9', 'web-10']);
  assert.deepEqual(names({ sortColumn: 3 }), ['web-9', 'db', 'web-10'], 'youngest first');
  assert.deepEqual(names({ text: 'TIER=data' }), ['db']);
  assert.deepEqual(names({ text: '0/1' }), ['db']);
  assert.deepEqual(names({ text: 'web' }), ['web-9', 'web-10']);
});
