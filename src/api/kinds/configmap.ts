import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { more } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { MAX_CONFIG_SIZE, validateDataKeys, validateImmutableData } from './config-data.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = [...validateDataKeys(cm.data, 'data'), ...validateDataKeys(cm.binaryData, 'binaryData')];
  let total = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    total += Buffer.byteLength(String(v));
    if (cm.binaryData && k in cm.binaryData)
      errs.push(fieldErrors.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
  }
  for (const v of Object.values(cm.binaryData ?? {})) total += Buffer.from(String(v), 'base64').length;
  if (total > MAX_CONFIG_SIZE) errs.push(more.tooLongBytes('', MAX_CONFIG_SIZE));
  return errs;
}

/** core/v1 ConfigMap: valid keys, 1 MiB in total, `immutable` honoured. */
export const configMapStrategy = defineKind<ConfigMap>({
  namespaced: true,
  validate: validateConfigMap,
  validateUpdate: validateImmutableData,
  columns: [nameColumn(), col('Data', 'integer', 'Number of data entries'), ageColumn()],
  row: (cm, now) => [
    nameOf(cm),
    Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
    ageOf(cm, now),
  ],
});
