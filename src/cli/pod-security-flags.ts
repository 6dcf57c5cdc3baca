/**
 * The server's PodSecurity settings from its flags: `--admission-control-config-file` (an
 * AdmissionConfiguration with a PodSecurity plugin entry, as kube-apiserver reads it, or a bare
 * PodSecurityConfiguration) and `--pod-security-default` (which replaces the file's defaults).
 * `flotilla up` without either gets UP_POD_SECURITY.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_POD_SECURITY,
  LATEST,
  parsePodSecurityDefault,
  podSecurityFromAdmissionConfiguration,
  type PodSecuritySettings,
} from '../apiserver/admission/pod-security/index.js';

/**
 * `flotilla up`'s default: baseline enforced (no host namespaces, privileged containers, hostPath,
 * host ports, added capabilities...), restricted warned and audited, kube-system exempt (where
 * cluster add-ons that need the host go, as hardened k3s exempts it). Kubernetes and `flotilla
 * server` default to privileged.
 */
export const UP_POD_SECURITY: PodSecuritySettings = {
  defaults: {
    enforce: { level: 'baseline', version: LATEST },
    audit: { level: 'restricted', version: LATEST },
    warn: { level: 'restricted', version: LATEST },
  },
  exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
};

export interface PodSecurityFlags {
  podSecurityDefault?: string;
  admissionControlConfigFile?: string;
}

/** Settings for startServer (undefined: Kubernetes' default, privileged everywhere). Throws with the flag's name on a bad value. */
export async function podSecurityFromFlags(
  flags: PodSecurityFlags,
  mode: 'server' | 'up',
): Promise<PodSecuritySettings | undefined> {
  let fromFile: PodSecuritySettings | undefined;
  const file = flags.admissionControlConfigFile;
  if (file) {
    try {
      const doc = parseYaml(await readFile(file, 'utf8')) as unknown;
      fromFile = podSecurityFromAdmissionConfiguration(doc, (path) =>
        parseYaml(readFileSync(resolve(dirname(file), path), 'utf8')),
      );
    } catch (err) {
      throw new Error(`--admission-control-config-file ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const defaults =
    flags.podSecurityDefault !== undefined ? parsePodSecurityDefault(flags.podSecurityDefault) : undefined;
  if (fromFile) return defaults ? { ...fromFile, defaults } : fromFile;
  if (defaults) return { ...DEFAULT_POD_SECURITY, defaults };
  return mode === 'up' ? UP_POD_SECURITY : undefined;
}
