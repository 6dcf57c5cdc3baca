import type { ServerResponse } from 'node:http';
import { errors, toStatus } from '../../api/errors.js';

/** Answers 401 with the Kubernetes Status kubectl prints as `error: You must be logged in to the server (Unauthorized)`. */
export function writeUnauthorized(res: ServerResponse): void {
  const { code, body } = toStatus(errors.unauthorized());
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, private',
  });
  res.end(text);
}
