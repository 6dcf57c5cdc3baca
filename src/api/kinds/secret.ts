import type { Secret } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { more, validateImmutable } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { MAX_CONFIG_SIZE, validateDataKeys, validateImmutableData } from './config-data.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** Keys each well-known secret type requires in `data`. */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** Type Opaque; `stringData` is merged into `data` (base64), as the API server's conversion does. */
export function defaultSecret(s: Secret): void {
  s.type ||= 'Opaque';
  if (s.stringData) {
    s.data = { ...(s.data ?? {}) };
    for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete s.stringData;
  }
}

function validateSecret(s: Secret): FieldError[] {
  const errs = validateDataKeys(s.data, 'data');
  let total = 0;
  for (const v of Object.values(s.data ?? {})) total += Buffer.from(String(v), 'base64').length;
  if (total > MAX_CONFIG_SIZE) errs.push(more.tooLongBytes('data', MAX_CONFIG_SIZE));
  const type = s.type ?? 'Opaque';
  for (const key of REQUIRED_KEYS[type] ?? [])
    if (!(key in (s.data ?? {}))) errs.push(fieldErrors.required(`data[${key}]`));
  if (
    type === 'kubernetes.io/service-account-token' &&
    !s.metadata?.annotations?.['kubernetes.io/service-account.name']
  ) {
    errs.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in (s.data ?? {})) && !('password' in (s.data ?? {}))) {
    errs.push(fieldErrors.required('data[username]', 'either username or password is required'));
  }
  return errs;
}

/** core/v1 Secret: type immutable, valid keys, 1 MiB, required keys per type. */
export const secretStrategy = defineKind<Secret>({
  namespaced: true,
  defaults: defaultSecret,
  validate: validateSecret,
  validateUpdate: (s, old) => [...validateImmutable('type', s.type, old.type), ...validateImmutableData(s, old)],
  columns: [
    nameColumn(),
    col('Type', 'string', 'The type of the secret'),
    col('Data', 'integer', 'The number of entries in the secret'),
    ageColumn(),
  ],
  row: (s, now) => [nameOf(s), s.type ?? '', Object.keys(s.data ?? {}).length, ageOf(s, now)],
  selectableFields: (s) => ({ type: s.type ?? '' }),
});
