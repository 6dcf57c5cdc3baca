/** The Kubernetes version Flotilla's API corresponds to. */
export const KUBERNETES_MAJOR = '1';
export const KUBERNETES_MINOR = '31';

/** Kubernetes' version.Info, served at /version (what `kubectl version` prints as Server Version). */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** The /version body of this process. Pure apart from reading process.platform/arch/version. */
export function versionInfo(): VersionInfo {
  return {
    major: KUBERNETES_MAJOR,
    minor: KUBERNETES_MINOR,
    gitVersion: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0-flotilla`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.version}`,
    compiler: 'node',
    platform: `${process.platform}/${GOARCH[process.arch] ?? process.arch}`,
  };
}
