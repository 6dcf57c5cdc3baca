import { request } from 'node:http';
import { join } from 'node:path';
import type { CertificateStatus } from '../server/certificate-rotation.js';
import { CERTIFICATES_PATH } from '../server/certificate-rotation.js';

/**
 * `flotilla certificate check|rotate`: the leaf certificates of a server's data dir. With the server
 * running (its loopback socket answers) it asks the server, which swaps the new serving
 * certificate in without a restart; with no server it reads or rotates the files itself.
 */
export async function runCertificate(action: string, flags: { dataDir: string }): Promise<void> {
  if (action !== 'check' && action !== 'rotate') {
    process.stderr.write(`flotilla certificate: unknown action ${JSON.stringify(action)}; use check or rotate\n`);
    process.exit(2);
  }
  try {
    const socketPath = join(flags.dataDir, 'apiserver.sock');
    const path = action === 'rotate' ? `${CERTIFICATES_PATH}/rotate` : CERTIFICATES_PATH;
    let status = await callServer(socketPath, action === 'rotate' ? 'POST' : 'GET', path);
    let live = true;
    if (!status) {
      live = false;
      const m = await import('../server/certificate-rotation.js');
      if (action === 'rotate') {
        const r = await m.rotateLeaves(flags.dataDir);
        status = { ...(await m.certificateStatus(flags.dataDir)), movedTo: r.movedTo, issued: r.issued };
      } else status = await m.certificateStatus(flags.dataDir);
    }
    process.stdout.write(formatCertificates(status));
    if (action === 'rotate')
      process.stdout.write(
        live
          ? 'the running server serves the new certificate to new connections\n'
          : 'no server running: the new certificates are used at its next start\n',
      );
  } catch (err) {
    process.stderr.write(`flotilla certificate ${action}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

/** One line per certificate: file, subject, expiry, SHA-256 fingerprint. */
export function formatCertificates(s: CertificateStatus): string {
  const lines = s.certificates.map((c) => `${c.file}\t${c.subject}\texpires ${c.notAfter}\t${c.sha256}`);
  if (s.issued) lines.push(`issued: ${s.issued.join(', ') || '(none)'}`);
  if (s.movedTo) lines.push(`previous certificates and keys moved to ${s.movedTo}`);
  return `${lines.join('\n')}\n`;
}

/** The server's answer, or undefined when no server listens on the socket. */
function callServer(socketPath: string, method: string, path: string): Promise<CertificateStatus | undefined> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`server answered ${res.statusCode}: ${body}`));
        else resolve(JSON.parse(body) as CertificateStatus);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? resolve(undefined) : reject(err),
    );
    req.end();
  });
}
