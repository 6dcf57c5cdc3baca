import type { ServerResponse } from 'node:http';
import { toStatus } from '../api/errors.js';

/** Writes a JSON body. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: string,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Writes an error as a Kubernetes Status (unless the response has already started: then the connection is cut). */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { code, body } = toStatus(err);
  sendJson(res, code, JSON.stringify(body));
}
