import type { Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { deepEqual, validateEnum, validateImmutable, validateNonNegative } from '../validation/field.js';
import { validateLabelSelector } from '../validation/label-selector.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, selectorColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { humanDuration } from './duration.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import { containerCells, selectorCell, validateSelectorAndTemplate } from './workload-helpers.js';

const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];

/** SetDefaults_Job's spec part (shared with CronJob's jobTemplate). */
export function defaultJobSpec(spec: JobSpec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ||= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ||= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  for (const rule of spec.podFailurePolicy?.rules ?? [])
    for (const c of rule.onPodConditions ?? []) c.status ||= 'True';
  defaultPodTemplateSpec(spec.template);
}

/**
 * Job defaults. Also generates the selector and template labels (`batch.kubernetes.io/controller-uid`,
 * `batch.kubernetes.io/job-name`, `controller-uid`, `job-name`) like the Job strategy's
 * PrepareForCreate, when metadata.uid is already set and manualSelector is not true.
 */
export function defaultJob(job: Job): void {
  job.spec ??= { template: {} };
  defaultJobSpec(job.spec);
  const tmplLabels = job.spec.template?.metadata?.labels;
  if (tmplLabels && Object.keys(job.metadata?.labels ?? {}).length === 0 && job.metadata)
    job.metadata.labels = { ...tmplLabels };
  const uid = job.metadata?.uid;
  const name = job.metadata?.name;
  if (uid && !job.spec.manualSelector && !job.spec.selector) {
    job.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    job.spec.template.metadata ??= {};
    job.spec.template.metadata.labels = {
      ...(job.spec.template.metadata.labels ?? {}),
      'batch.kubernetes.io/controller-uid': uid,
      'controller-uid': uid,
      ...(name ? { 'batch.kubernetes.io/job-name': name, 'job-name': name } : {}),
    };
  }
}

/** ValidateJobSpec; `requireSelector` false for CronJob job templates. */
export function validateJobSpec(spec: JobSpec | undefined, path: string, requireSelector: boolean): FieldError[] {
  if (!spec) return [fieldErrors.required(path)];
  const errs: FieldError[] = [];
  for (const k of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
  ] as const) {
    errs.push(...validateNonNegative(`${path}.${k}`, spec[k]));
  }
  errs.push(...validateEnum(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed'], false));
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) {
    errs.push(fieldErrors.required(`${path}.completions`, `when completion mode is Indexed`));
  }
  errs.push(
    ...validateEnum(
      `${path}.podReplacementPolicy`,
      spec.podReplacementPolicy,
      ['TerminatingOrFailed', 'Failed'],
      false,
    ),
  );
  if (spec.selector || requireSelector) {
    errs.push(...validateSelectorAndTemplate('job', spec.selector, spec.template, path, JOB_RESTART_POLICIES));
  } else {
    errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
    const tmpl = validateSelectorAndTemplate(
      'job',
      { matchLabels: { x: 'x' } },
      spec.template,
      path,
      JOB_RESTART_POLICIES,
    ).filter(
      (e) =>
        e.field !== `${path}.template.metadata.labels` ||
        e.reason !== 'FieldValueInvalid' ||
        !e.message.includes('`selector`'),
    );
    errs.push(...tmpl);
  }
  return errs;
}

function jobStatus(job: Job): string {
  const has = (type: string): boolean =>
    (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(start));
}

/** batch/v1 Job. Selector, completionMode and (unless suspended before start) the template are immutable. */
export const jobStrategy = defineKind<Job>({
  namespaced: true,
  defaults: defaultJob,
  validate: (job) =>
    validateJobSpec(job.spec, 'spec', job.spec?.manualSelector === true || job.metadata?.uid !== undefined),
  validateUpdate(job, old) {
    const errs = validateImmutable('spec.selector', job.spec?.selector, old.spec?.selector);
    errs.push(...validateImmutable('spec.completionMode', job.spec?.completionMode, old.spec?.completionMode));
    const mayChangeTemplate = old.spec?.suspend === true && !old.status?.startTime;
    if (!mayChangeTemplate && !deepEqual(job.spec?.template, old.spec?.template))
      errs.push(...validateImmutable('spec.template', job.spec?.template, old.spec?.template));
    if (job.spec?.completionMode !== 'Indexed')
      errs.push(...validateImmutable('spec.completions', job.spec?.completions, old.spec?.completions));
    return errs;
  },
  validateStatus: (job) =>
    (['active', 'succeeded', 'failed', 'ready', 'terminating'] as const).flatMap((k) =>
      validateNonNegative(`status.${k}`, job.status?.[k]),
    ),
  columns: [
    nameColumn(),
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The completion status of the job.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  row(job, now) {
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return [
      nameOf(job),
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      ageOf(job, now),
      names,
      images,
      selectorCell(job.spec?.selector),
    ];
  },
  selectableFields: (job) => ({ 'status.successful': String(job.status?.succeeded ?? 0) }),
});
