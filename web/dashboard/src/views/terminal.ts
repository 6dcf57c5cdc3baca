/**
 * A shell in a pod's container: xterm.js over the exec WebSocket protocol kubectl uses
 * (v5.channel.k8s.io, else v4), through the dashboard's session. The browser sends the session
 * cookie; the CSRF token travels as an extra subprotocol (a WebSocket cannot carry headers), which
 * the server removes before the API sees the request.
 *
 * Frames: binary, first byte the channel (0 stdin, 1 stdout, 2 stderr, 3 the exit Status, 4 a
 * resize as {"Width","Height"}). This module and xterm.js are a chunk of their own, loaded when the
 * terminal opens.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { installAdoptedStyles } from '../adopted-style';
import { BASE, currentCsrfToken } from '../api';
import { href } from '../router';

export const CSRF_PROTOCOL_PREFIX = 'csrf.dashboard.flotilla.dev.';
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** bash when the image has it, else sh (as most dashboards try). */
const SHELL = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

/** The wss:// URL of an exec into `container` of pod `ns/name`. */
export function execUrl(origin: string, ns: string, name: string, container: string): string {
  const q = new URLSearchParams({ container, stdin: 'true', stdout: 'true', tty: 'true' });
  for (const c of SHELL) q.append('command', c);
  const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/exec`;
  return `${origin.replace(/^http/, 'ws')}${BASE}/k8s${path}?${q}`;
}

function frame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

export function PodTerminal({ params }: { params: URLSearchParams }) {
  const ns = params.get('ns') ?? 'default';
  const name = params.get('n') ?? '';
  const container = params.get('c') ?? '';
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState('connecting');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    installAdoptedStyles();
    const term = new Terminal({ cursorBlink: true, fontSize: 13, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    const encoder = new TextEncoder();
    const ws = new WebSocket(execUrl(location.origin, ns, name, container), [
      ...PROTOCOLS,
      `${CSRF_PROTOCOL_PREFIX}${currentCsrfToken()}`,
    ]);
    ws.binaryType = 'arraybuffer';
    const resize = () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(frame(4, encoder.encode(JSON.stringify({ Width: term.cols, Height: term.rows }))));
    };
    ws.onopen = () => {
      setState(`connected (${ws.protocol})`);
      resize();
      term.focus();
    };
    ws.onmessage = (m: MessageEvent<ArrayBuffer>) => {
      const data = new Uint8Array(m.data);
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === 1 || channel === 2) term.write(body);
      else if (channel === 3) {
        const status = JSON.parse(new TextDecoder().decode(body)) as { status?: string; message?: string };
        setState(status.status === 'Success' ? 'exited' : `exited: ${status.message ?? status.status}`);
      }
    };
    ws.onclose = (e) => setState((s) => (s.startsWith('exited') ? s : `closed${e.reason ? `: ${e.reason}` : ''}`));
    ws.onerror = () => setState('could not connect (see the pod’s state, and whether you may exec)');
    const input = term.onData((d) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame(0, encoder.encode(d)));
    });
    const onResize = () => {
      fit.fit();
      resize();
    };
    const sized = term.onResize(resize);
    addEventListener('resize', onResize);
    return () => {
      removeEventListener('resize', onResize);
      input.dispose();
      sized.dispose();
      ws.close();
      term.dispose();
    };
  }, [ns, name, container]);

  return html`
    <section class="pod-terminal">
      <h1>Terminal <span class="name">${ns}/${name}${container ? ` (${container})` : ''}</span></h1>
      <p class="links"><a href=${href('object', { g: '', v: 'v1', r: 'pods', ns, n: name })}>← pod</a>
        · <span class="state">${state}</span></p>
      <div class="terminal" ref=${host}></div>
    </section>`;
}
