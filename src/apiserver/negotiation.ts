import { errors } from '../api/errors.js';

export type ResponseFormat = 'json' | 'table';

/**
 * Chooses the response form from an Accept header: a meta.k8s.io Table when the client lists
 * `as=Table` first among what we can produce, JSON otherwise. We don't produce protobuf; a client
 * that accepts only protobuf gets 406, one that also accepts JSON or *\/* gets JSON.
 */
export function negotiateFormat(accept: string | undefined): ResponseFormat {
  if (!accept) return 'json';
  let sawUnsupported = false;
  for (const raw of accept.split(',')) {
    const [type, ...params] = raw.split(';').map((s) => s.trim());
    const p = new Map(
      params.map((kv) => {
        const i = kv.indexOf('=');
        return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as [string, string];
      }),
    );
    if (p.get('as') === 'Table') {
      if (
        (type === 'application/json' || type === '*/*') &&
        (p.get('g') ?? 'meta.k8s.io') === 'meta.k8s.io' &&
        ['v1', 'v1beta1', undefined].includes(p.get('v'))
      )
        return 'table';
      continue;
    }
    if (p.get('as')) continue; // PartialObjectMetadata and others: not offered, try the next.
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/yaml')
      return 'json';
    sawUnsupported = true;
  }
  if (sawUnsupported)
    throw errors.notAcceptable(
      'only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io',
    );
  return 'json';
}
