import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum, validateNonNegative } from '../validation/field.js';
import { maxLenError } from '../validation/names.js';
import { validateAnnotations, validateLabels } from '../validation/labels.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, selectorColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { translateTimestampSince } from './duration.js';
import { cronScheduleError } from './cron-schedule.js';
import { defaultJobSpec, validateJobSpec } from './job.js';
import { containerCells, selectorCell } from './workload-helpers.js';

/** CronJob names leave room for the 11-character suffix of the Jobs they create. */
const CRONJOB_NAME_MAX = 52;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validateSpec(cj: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  const name = cj.metadata?.name ?? '';
  if (name.length > CRONJOB_NAME_MAX)
    errs.push(fieldErrors.invalid('metadata.name', name, maxLenError(CRONJOB_NAME_MAX)));
  const spec = cj.spec;
  if (!spec) return [...errs, fieldErrors.required('spec')];
  if (!spec.schedule) errs.push(fieldErrors.required('spec.schedule'));
  else {
    if (/(^|\s)(CRON_)?TZ=/.test(spec.schedule))
      errs.push(
        fieldErrors.invalid(
          'spec.schedule',
          spec.schedule,
          'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
        ),
      );
    else {
      const err = cronScheduleError(spec.schedule);
      if (err) errs.push(fieldErrors.invalid('spec.schedule', spec.schedule, err));
    }
  }
  if (spec.timeZone !== undefined && (spec.timeZone === '' || !validTimeZone(spec.timeZone))) {
    errs.push(fieldErrors.invalid('spec.timeZone', spec.timeZone, `unknown time zone ${spec.timeZone}`));
  }
  errs.push(...validateEnum('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateNonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
  errs.push(...validateNonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit));
  errs.push(...validateNonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit));
  errs.push(...validateLabels(spec.jobTemplate?.metadata?.labels, 'spec.jobTemplate.metadata.labels'));
  errs.push(...validateAnnotations(spec.jobTemplate?.metadata?.annotations, 'spec.jobTemplate.metadata.annotations'));
  errs.push(...validateJobSpec(spec.jobTemplate?.spec, 'spec.jobTemplate.spec', false));
  return errs;
}

/** batch/v1 CronJob: Allow, not suspended, history 3 / 1; job template gets Job and pod defaults. */
export const cronJobStrategy = defineKind<CronJob>({
  namespaced: true,
  defaults(cj) {
    cj.spec ??= { schedule: '', jobTemplate: {} };
    cj.spec.concurrencyPolicy ||= 'Allow';
    cj.spec.suspend ??= false;
    cj.spec.successfulJobsHistoryLimit ??= 3;
    cj.spec.failedJobsHistoryLimit ??= 1;
    cj.spec.jobTemplate ??= {};
    if (cj.spec.jobTemplate.spec) defaultJobSpec(cj.spec.jobTemplate.spec);
  },
  validate: validateSpec,
  columns: [
    nameColumn(),
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col(
      'Timezone',
      'string',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.',
    ),
    col(
      'Suspend',
      'boolean',
      'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.',
    ),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  row(cj, now) {
    const [names, images] = containerCells(cj.spec?.jobTemplate?.spec?.template?.spec?.containers);
    const last = cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>';
    const suspend = cj.spec?.suspend === undefined ? '<unset>' : cj.spec.suspend ? 'True' : 'False';
    return [
      nameOf(cj),
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      suspend,
      (cj.status?.active ?? []).length,
      last,
      ageOf(cj, now),
      names,
      images,
      selectorCell(cj.spec?.jobTemplate?.spec?.selector),
    ];
  },
});
