/**
 * `metadata.managedFields` ⇄ in-memory managers. A manager is identified, as in Kubernetes'
 * `BuildManagerIdentifier`, by (manager, operation, apiVersion for Update, subresource); time
 * and fieldsType are not part of the identity. Encoding sorts entries as Kubernetes does:
 * Apply before Update, then by time, manager, apiVersion, subresource.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { isObject } from './json-value.js';
import { FieldSet } from './field-set.js';

export type Operation = 'Apply' | 'Update';

export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Identity of a manager entry (Apply entries are one per manager and subresource). */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource ?? '']);
}

/** Parses managedFields; entries without a manager or operation are dropped. */
export function decodeManagedFields(entries: unknown): Manager[] {
  if (!Array.isArray(entries)) return [];
  const out: Manager[] = [];
  for (const e of entries) {
    if (!isObject(e) || typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update'))
      continue;
    out.push({
      manager: e.manager,
      operation: e.operation,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      ...(typeof e.subresource === 'string' && e.subresource !== '' && { subresource: e.subresource }),
      ...(typeof e.time === 'string' && { time: e.time }),
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    });
  }
  return out;
}

/**
 * Whether every entry decodes as Kubernetes' DecodeManagedFields accepts it: operation Apply or
 * Update, fieldsType FieldsV1, a manager string, and a FieldsV1 whose keys are `.` or start with
 * `f:`, `k:`, `v:` or `i:` and whose values are objects. Kubernetes ignores managed fields sent
 * with any entry that fails (it keeps the live object's), and so does updateManagedFields.
 * Iterative, so a deeply nested FieldsV1 cannot overflow the stack. Pure.
 */
export function managedFieldsDecode(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  for (const e of entries) {
    if (!isObject(e) || typeof e.manager !== 'string') return false;
    if (e.operation !== 'Apply' && e.operation !== 'Update') return false;
    if (e.fieldsType !== 'FieldsV1') return false;
    if (e.apiVersion !== undefined && typeof e.apiVersion !== 'string') return false;
    if (e.subresource !== undefined && typeof e.subresource !== 'string') return false;
    if (e.fieldsV1 !== undefined && !isFieldsV1(e.fieldsV1)) return false;
  }
  return true;
}

const FIELDS_V1_KEY = /^(?:\.$|[fkvi]:)/;

function isFieldsV1(v: unknown): boolean {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const o = stack.pop();
    if (!isObject(o)) return false;
    for (const k in o) {
      if (!FIELDS_V1_KEY.test(k)) return false;
      stack.push(o[k]);
    }
  }
  return true;
}

/** Serialises managers with non-empty sets, in Kubernetes' order. */
export function encodeManagedFields(managers: Manager[]): ManagedFieldsEntry[] {
  const sorted = managers
    .filter((m) => !m.set.isEmpty())
    .sort(
      (p, q) =>
        cmp(p.operation, q.operation) ||
        cmp(p.time ?? '', q.time ?? '') ||
        cmp(p.manager, q.manager) ||
        cmp(p.apiVersion, q.apiVersion) ||
        cmp(p.subresource ?? '', q.subresource ?? ''),
    );
  return sorted.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time !== undefined && { time: m.time }),
    fieldsType: 'FieldsV1',
    fieldsV1: m.set.toFieldsV1(),
    ...(m.subresource !== undefined && { subresource: m.subresource }),
  }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
