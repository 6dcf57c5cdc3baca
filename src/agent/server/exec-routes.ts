/**
 * The agent's upgrade routes, kubelet paths: `/exec/<ns>/<pod>/<container>`,
 * `/attach/<ns>/<pod>/<container>`, `/portForward/<ns>/<pod>` (authenticated by the agent server).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { serveAttach } from './attach.js';
import type { StreamingBackend } from './exec-backend.js';
import { serveExec } from './exec.js';
import { servePortForward } from './port-forward.js';
import { refuseUpgrade } from './streams/remote-command.js';

export function serveStreamingUpgrade(
  backend: StreamingBackend,
  log: Logger,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const url = new URL(req.url ?? '/', 'https://agent');
  const parts = url.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  const [kind, ns = '', pod = '', container = ''] = parts;
  socket.on('error', () => socket.destroy());
  (socket as Duplex & { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true); // small frames, no Nagle delays
  let run: Promise<void>;
  if ((kind === 'exec' || kind === 'attach') && parts.length === 4) {
    run = (kind === 'exec' ? serveExec : serveAttach)(
      backend,
      log,
      ns,
      pod,
      container,
      url.searchParams,
      req,
      socket,
      head,
    );
  } else if (kind === 'portForward' && parts.length === 3) {
    run = servePortForward(backend, log, ns, pod, req, socket, head);
  } else {
    refuseUpgrade(socket, 404, 'not found');
    return;
  }
  run.catch((err: unknown) => {
    log.warn({ err: String(err), url: req.url }, 'agent streaming request failed');
    socket.destroy();
  });
}
