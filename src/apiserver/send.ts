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
  // An error answered before the request body has arrived (413, a bad header) ends the
  // connection: Node would otherwise keep reading that body for as long as the client sends it.
  if (res.req && !res.req.complete) res.setHeader('Connection', 'close');
  sendJson(res, code, JSON.stringify(body));
}
