import { join } from 'node:path';

/** PEM-encoded certificates and keys of one Flotilla cluster, as kept in `<data-dir>/tls/`. */
export interface TlsMaterial {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate CN=admin, O=system:masters, signed by the CA. */
  adminCert: string;
  adminKey: string;
  /**
   * Client certificate CN=kube-apiserver-kubelet-client, signed by the CA: what the API server
   * presents to agents (logs, exec, attach, port-forward, stats), as kubeadm's apiserver-kubelet-client.
   */
  kubeletClientCert: string;
  kubeletClientKey: string;
}

/** File names inside `<data-dir>/tls/`, one per TlsMaterial field. */
export const TLS_FILES: Record<keyof TlsMaterial, string> = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  kubeletClientCert: 'kubelet-client.crt',
  kubeletClientKey: 'kubelet-client.key',
};

/** `<data-dir>/tls`. */
export function tlsDir(dataDir: string): string {
  return join(dataDir, 'tls');
}
