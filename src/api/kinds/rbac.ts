import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateImmutable } from '../validation/field.js';
import { nameIsPathSegment } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, createdAtOf, defineKind, nameOf } from './define-kind.js';

function validateRules(rules: PolicyRule[] | undefined): FieldError[] {
  return (rules ?? []).flatMap((r, i) => {
    const p = `rules[${i}]`;
    const errs: FieldError[] = [];
    if ((r.verbs ?? []).length === 0)
      errs.push(fieldErrors.required(`${p}.verbs`, 'verbs must contain at least one value'));
    const nonResource = (r.nonResourceURLs ?? []).length > 0;
    if (!nonResource && (r.resources ?? []).length === 0)
      errs.push(fieldErrors.required(`${p}.resources`, 'resource rules must supply at least one resource'));
    if (!nonResource && r.apiGroups === undefined)
      errs.push(fieldErrors.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (nonResource && ((r.resources ?? []).length > 0 || (r.apiGroups ?? []).length > 0)) {
      errs.push(
        fieldErrors.invalid(
          `${p}.nonResourceURLs`,
          r.nonResourceURLs,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  });
}

function validateBinding(
  b: { roleRef?: RoleBinding['roleRef']; subjects?: Subject[] },
  roleKinds: string[],
): FieldError[] {
  const errs: FieldError[] = [];
  if (b.roleRef?.apiGroup !== 'rbac.authorization.k8s.io')
    errs.push(fieldErrors.notSupported('roleRef.apiGroup', b.roleRef?.apiGroup ?? '', ['rbac.authorization.k8s.io']));
  if (!roleKinds.includes(b.roleRef?.kind ?? ''))
    errs.push(fieldErrors.notSupported('roleRef.kind', b.roleRef?.kind ?? '', roleKinds));
  if (!b.roleRef?.name) errs.push(fieldErrors.required('roleRef.name'));
  (b.subjects ?? []).forEach((s, i) => {
    if (!s.name) errs.push(fieldErrors.required(`subjects[${i}].name`));
    if (!['ServiceAccount', 'User', 'Group'].includes(s.kind))
      errs.push(fieldErrors.notSupported(`subjects[${i}].kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
    if (s.kind === 'ServiceAccount' && !s.namespace && roleKinds.length === 1)
      errs.push(fieldErrors.required(`subjects[${i}].namespace`));
  });
  return errs;
}

/** USERS, GROUPS, SERVICEACCOUNTS cells (rbac.SubjectsStrings). */
function subjectCells(subjects: Subject[] | undefined): [string, string, string] {
  const of = (kind: string): Subject[] => (subjects ?? []).filter((s) => s.kind === kind);
  return [
    of('User')
      .map((s) => s.name)
      .join(', '),
    of('Group')
      .map((s) => s.name)
      .join(', '),
    of('ServiceAccount')
      .map((s) => `${s.namespace ?? ''}/${s.name}`)
      .join(', '),
  ];
}

const CREATED_AT = col(
  'Created At',
  'date',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);
const BINDING_COLUMNS = [
  nameColumn(),
  col(
    'Role',
    'string',
    'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.',
  ),
  ageColumn(),
  col('Users', 'string', 'Users in the roleBinding', true),
  col('Groups', 'string', 'Groups in the roleBinding', true),
  col('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', true),
];

/** rbac.authorization.k8s.io/v1 Role: NAME CREATED AT. */
export const roleStrategy = defineKind<Role>({
  namespaced: true,
  nameValidator: nameIsPathSegment,
  validate: (r) => validateRules(r.rules),
  columns: [nameColumn(), CREATED_AT],
  row: (r) => [nameOf(r), createdAtOf(r)],
});

/** rbac.authorization.k8s.io/v1 ClusterRole: NAME CREATED AT. */
export const clusterRoleStrategy = defineKind<ClusterRole>({
  namespaced: false,
  nameValidator: nameIsPathSegment,
  validate: (r) => validateRules(r.rules),
  columns: [nameColumn(), CREATED_AT],
  row: (r) => [nameOf(r), createdAtOf(r)],
});

/** rbac.authorization.k8s.io/v1 RoleBinding: roleRef immutable; NAME ROLE AGE (+USERS GROUPS SERVICEACCOUNTS). */
export const roleBindingStrategy = defineKind<RoleBinding>({
  namespaced: true,
  nameValidator: nameIsPathSegment,
  validate: (b) => validateBinding(b, ['Role', 'ClusterRole']),
  validateUpdate: (b, old) => validateImmutable('roleRef', b.roleRef, old.roleRef),
  columns: BINDING_COLUMNS,
  row: (b, now) => [
    nameOf(b),
    `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
    ageOf(b, now),
    ...subjectCells(b.subjects),
  ],
});

/** rbac.authorization.k8s.io/v1 ClusterRoleBinding: roleRef immutable and must be a ClusterRole. */
export const clusterRoleBindingStrategy = defineKind<ClusterRoleBinding>({
  namespaced: false,
  nameValidator: nameIsPathSegment,
  validate: (b) => validateBinding(b, ['ClusterRole']),
  validateUpdate: (b, old) => validateImmutable('roleRef', b.roleRef, old.roleRef),
  columns: BINDING_COLUMNS,
  row: (b, now) => [
    nameOf(b),
    `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
    ageOf(b, now),
    ...subjectCells(b.subjects),
  ],
});
