import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { podFromTemplate } from '../replicaset/pod-from-template.js';
import { COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from './job-state.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/**
 * The pod the Job controller creates: the template's pod (labels from the template, which the API
 * server's Job defaulting fills with `batch.kubernetes.io/controller-uid` and `job-name`), the
 * Job's controller reference, generateName `<job>-` and the job-tracking finalizer. An Indexed
 * Job's pod also gets the completion index as annotation and label, generateName `<job>-<index>-`
 * and hostname `<job>-<index>` (the agent turns the annotation into JOB_COMPLETION_INDEX). Pure.
 */
export function jobPod(job: KubeObject & Job, index?: number): ObjectOf<Pod> {
  const pod = podFromTemplate(job.spec?.template, job);
  const meta = pod.metadata;
  meta.finalizers = [...(meta.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER), JOB_TRACKING_FINALIZER];
  if (index !== undefined) {
    const name = job.metadata.name ?? '';
    meta.annotations = { ...(meta.annotations ?? {}), [COMPLETION_INDEX]: String(index) };
    meta.labels = { ...(meta.labels ?? {}), [COMPLETION_INDEX]: String(index) };
    meta.generateName = `${name}-${index}-`.slice(0, 58);
    if (pod.spec && !pod.spec.hostname) pod.spec.hostname = `${name}-${index}`.slice(0, 63);
  }
  return pod;
}
