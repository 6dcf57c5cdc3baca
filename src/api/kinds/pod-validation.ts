import type {
  Container,
  EnvVar,
  PodSpec,
  PodTemplateSpec,
  Probe,
  Volume,
  VolumeMount,
  ContainerPort,
  LifecycleHandler,
} from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isValidPortName,
  isValidPortNum,
} from '../validation/names.js';
import { invalidEach, isRecord, more, validateEnum, validateNonNegative } from '../validation/field.js';
import { validateResourceRequirements } from '../validation/resources.js';
import { validateAnnotations, validateLabels } from '../validation/labels.js';
import { VOLUME_SOURCE_FIELDS } from './pod-defaults.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function validateVolumes(volumes: Volume[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v.name) errs.push(fieldErrors.required(`${p}.name`));
    else {
      errs.push(...invalidEach(`${p}.name`, v.name, isDNS1123Label(v.name)));
      if (seen.has(v.name)) errs.push(fieldErrors.duplicate(`${p}.name`, v.name));
      seen.add(v.name);
    }
    const rec = v as unknown as Record<string, unknown>;
    const sources = VOLUME_SOURCE_FIELDS.filter((s) => rec[s] !== undefined && rec[s] !== null);
    if (sources.length === 0) errs.push(fieldErrors.required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1))
      errs.push(fieldErrors.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName)
      errs.push(fieldErrors.required(`${p}.persistentVolumeClaim.claimName`));
    if (v.configMap && !v.configMap.name) errs.push(fieldErrors.required(`${p}.configMap.name`));
    if (v.secret && !v.secret.secretName) errs.push(fieldErrors.required(`${p}.secret.secretName`));
    if (v.hostPath && !v.hostPath.path) errs.push(fieldErrors.required(`${p}.hostPath.path`));
    for (const [src, mode] of [
      ['secret', v.secret?.defaultMode],
      ['configMap', v.configMap?.defaultMode],
      ['downwardAPI', v.downwardAPI?.defaultMode],
      ['projected', v.projected?.defaultMode],
    ] as const) {
      if (mode !== undefined && (mode < 0 || mode > 0o777))
        errs.push(
          fieldErrors.invalid(
            `${p}.${src}.defaultMode`,
            mode,
            'must be a number between 0 and 0777 (octal), both inclusive',
          ),
        );
    }
  });
  return errs;
}

function validateHandler(h: Probe | LifecycleHandler, path: string): FieldError[] {
  const rec = h as unknown as Record<string, unknown>;
  const set = [...HANDLERS, 'sleep'].filter((k) => rec[k] !== undefined && rec[k] !== null);
  if (set.length === 0) return [fieldErrors.required(path, 'must specify a handler type')];
  const errs = set
    .slice(1)
    .map((k) => fieldErrors.forbidden(`${path}.${k}`, 'may not specify more than 1 handler type'));
  const port = h.httpGet?.port ?? h.tcpSocket?.port;
  const portPath = `${path}.${h.httpGet ? 'httpGet' : 'tcpSocket'}.port`;
  if (typeof port === 'number') errs.push(...invalidEach(portPath, port, isValidPortNum(port)));
  else if (typeof port === 'string') errs.push(...invalidEach(portPath, port, isValidPortName(port)));
  if (h.httpGet?.scheme !== undefined)
    errs.push(...validateEnum(`${path}.httpGet.scheme`, h.httpGet.scheme, ['HTTP', 'HTTPS']));
  return errs;
}

function validateProbe(probe: Probe | undefined, path: string, mustSucceedOnce: boolean): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, path);
  errs.push(...validateNonNegative(`${path}.initialDelaySeconds`, probe.initialDelaySeconds));
  errs.push(...validateNonNegative(`${path}.timeoutSeconds`, probe.timeoutSeconds));
  errs.push(...validateNonNegative(`${path}.periodSeconds`, probe.periodSeconds));
  errs.push(...validateNonNegative(`${path}.successThreshold`, probe.successThreshold));
  errs.push(...validateNonNegative(`${path}.failureThreshold`, probe.failureThreshold));
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(fieldErrors.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds <= 0) {
    errs.push(
      fieldErrors.invalid(
        `${path}.terminationGracePeriodSeconds`,
        probe.terminationGracePeriodSeconds,
        'must be greater than 0',
      ),
    );
  }
  return errs;
}

function validatePorts(ports: ContainerPort[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      errs.push(...invalidEach(`${p}.name`, port.name, isValidPortName(port.name)));
      if (names.has(port.name)) errs.push(fieldErrors.duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (!port.containerPort) errs.push(fieldErrors.required(`${p}.containerPort`));
    else errs.push(...invalidEach(`${p}.containerPort`, port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) errs.push(...invalidEach(`${p}.hostPort`, port.hostPort, isValidPortNum(port.hostPort)));
    errs.push(...validateEnum(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

function validateEnv(env: EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (env ?? []).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!e.name) errs.push(fieldErrors.required(`${p}.name`));
    else errs.push(...invalidEach(`${p}.name`, e.name, isEnvVarName(e.name)));
    if (e.valueFrom) {
      const rec = e.valueFrom as unknown as Record<string, unknown>;
      const n = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) =>
        isRecord(rec[k]),
      ).length;
      if (n === 0)
        errs.push(
          fieldErrors.invalid(
            `${p}.valueFrom`,
            '',
            'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
          ),
        );
      else if (n > 1)
        errs.push(fieldErrors.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
      if (e.value)
        errs.push(fieldErrors.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      if (e.valueFrom.configMapKeyRef && !e.valueFrom.configMapKeyRef.key)
        errs.push(fieldErrors.required(`${p}.valueFrom.configMapKeyRef.key`));
      if (e.valueFrom.secretKeyRef && !e.valueFrom.secretKeyRef.key)
        errs.push(fieldErrors.required(`${p}.valueFrom.secretKeyRef.key`));
      if (e.valueFrom.fieldRef && !e.valueFrom.fieldRef.fieldPath)
        errs.push(fieldErrors.required(`${p}.valueFrom.fieldRef.fieldPath`));
    }
  });
  return errs;
}

function validateMounts(mounts: VolumeMount[] | undefined, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!m.name) errs.push(fieldErrors.required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(more.notFound(`${p}.name`, m.name));
    if (!m.mountPath) errs.push(fieldErrors.required(`${p}.mountPath`));
    else {
      if (paths.has(m.mountPath)) errs.push(fieldErrors.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    if (m.subPath && (m.subPath.startsWith('/') || m.subPath.split('/').includes('..'))) {
      errs.push(
        fieldErrors.invalid(
          `${p}.subPath`,
          m.subPath,
          m.subPath.startsWith('/') ? 'must be a relative path' : "must not contain '..'",
        ),
      );
    }
  });
  return errs;
}

function validateContainer(c: Container, path: string, volumes: Set<string>, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.image) errs.push(fieldErrors.required(`${path}.image`));
  else if (c.image.trim() !== c.image)
    errs.push(fieldErrors.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  errs.push(...validatePorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  errs.push(...validateEnum(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  errs.push(
    ...validateEnum(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES),
  );
  const sidecar = init && c.restartPolicy === 'Always';
  if (c.restartPolicy !== undefined && (!init || c.restartPolicy !== 'Always')) {
    errs.push(
      init
        ? fieldErrors.notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always'])
        : fieldErrors.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'),
    );
  }
  if (init && !sidecar) {
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const) {
      if (c[probe])
        errs.push(
          fieldErrors.forbidden(`${path}.${probe}`, `may not be set for init containers without restartPolicy=Always`),
        );
    }
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
    if (c.lifecycle?.postStart) errs.push(...validateHandler(c.lifecycle.postStart, `${path}.lifecycle.postStart`));
    if (c.lifecycle?.preStop) errs.push(...validateHandler(c.lifecycle.preStop, `${path}.lifecycle.preStop`));
  }
  return errs;
}

/** ValidatePodSpec: containers, init containers, volumes, mounts, ports, env, resources, probes, enums. `path` is e.g. `spec` or `spec.template.spec`. */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [fieldErrors.required(path)];
  const errs = validateVolumes(spec.volumes, `${path}.volumes`);
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  const names = new Set<string>();
  const checkName = (c: Container, p: string): void => {
    if (!c.name) {
      errs.push(fieldErrors.required(`${p}.name`));
      return;
    }
    errs.push(...invalidEach(`${p}.name`, c.name, isDNS1123Label(c.name)));
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(`${p}.name`, c.name));
    names.add(c.name);
  };
  if (!spec.containers || spec.containers.length === 0) errs.push(fieldErrors.required(`${path}.containers`));
  (spec.initContainers ?? []).forEach((c, i) => {
    checkName(c, `${path}.initContainers[${i}]`);
    errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, volumes, true));
  });
  (spec.containers ?? []).forEach((c, i) => {
    checkName(c, `${path}.containers[${i}]`);
    errs.push(...validateContainer(c, `${path}.containers[${i}]`, volumes, false));
  });
  errs.push(...validateEnum(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  errs.push(...validateEnum(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig)
    errs.push(fieldErrors.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...validateNonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  if (
    spec.activeDeadlineSeconds !== undefined &&
    (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)
  ) {
    errs.push(
      fieldErrors.invalid(
        `${path}.activeDeadlineSeconds`,
        spec.activeDeadlineSeconds,
        'must be between 1 and 2147483647, inclusive',
      ),
    );
  }
  if (spec.serviceAccountName)
    errs.push(
      ...invalidEach(
        `${path}.serviceAccountName`,
        spec.serviceAccountName,
        isDNS1123Subdomain(spec.serviceAccountName),
      ),
    );
  if (spec.nodeName) errs.push(...invalidEach(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName)));
  if (spec.hostname) errs.push(...invalidEach(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname)));
  if (spec.subdomain) errs.push(...invalidEach(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain)));
  if (spec.priorityClassName)
    errs.push(
      ...invalidEach(`${path}.priorityClassName`, spec.priorityClassName, isDNS1123Subdomain(spec.priorityClassName)),
    );
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  (spec.tolerations ?? []).forEach((t, i) => {
    const p = `${path}.tolerations[${i}]`;
    if (t.operator !== undefined) errs.push(...validateEnum(`${p}.operator`, t.operator, ['Equal', 'Exists'], false));
    if (t.operator === 'Exists' && t.value)
      errs.push(fieldErrors.invalid(`${p}.operator`, t.operator, "value must be empty when `operator` is 'Exists'"));
    if (!t.key && t.operator !== 'Exists')
      errs.push(
        fieldErrors.invalid(
          `${p}.operator`,
          t.operator ?? '',
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    if (t.effect) errs.push(...validateEnum(`${p}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute')
      errs.push(
        fieldErrors.invalid(
          `${p}.effect`,
          t.effect ?? '',
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
  });
  return errs;
}

/** ValidatePodTemplateSpec at `path` (e.g. `spec.template`): labels, annotations and the spec. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!template) return [fieldErrors.required(path)];
  const errs = validateLabels(template.metadata?.labels, `${path}.metadata.labels`);
  errs.push(...validateAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  return errs;
}
