/**
 * What the user may do, asked of the server with SelfSubjectAccessReview (as `kubectl auth can-i`)
 * so the page shows an action it would refuse as disabled. The server still decides every request;
 * this only spares the user a button that cannot work.
 *
 * Answers are cached per attribute set for a short time, and one view's questions go out together
 * (deduplicated; the same question asked by several buttons is one request).
 */
import { useEffect, useState } from 'preact/hooks';
import { k8s } from './api';

export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const TTL_MS = 30_000;
const cache = new Map<string, { at: number; allowed: Promise<boolean> }>();

export function accessKey(c: AccessCheck): string {
  return [c.verb, c.group, c.resource, c.subresource ?? '', c.namespace ?? '', c.name ?? ''].join('|');
}

/** True when the server says the user may; false when it says no or cannot be asked. Cached for 30 s. */
export function canI(c: AccessCheck, now = Date.now()): Promise<boolean> {
  const key = accessKey(c);
  const hit = cache.get(key);
  if (hit && now - hit.at < TTL_MS) return hit.allowed;
  const allowed = k8s('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: c.verb,
          group: c.group,
          resource: c.resource,
          subresource: c.subresource,
          namespace: c.namespace,
          name: c.name,
        },
      },
    }),
  })
    .then((r) => r.json() as Promise<{ status?: { allowed?: boolean } }>)
    .then(
      (r) => r.status?.allowed === true,
      () => false,
    );
  cache.set(key, { at: now, allowed });
  return allowed;
}

/** Forgets every answer (after a login as someone else, or when RBAC may have changed). */
export function forgetAccess(): void {
  cache.clear();
}

/**
 * The answers to a view's questions, by accessKey: undefined while asked. All questions go out at
 * once; asking again with the same set does not repeat them.
 */
export function useAccess(checks: AccessCheck[]): Map<string, boolean> {
  const [answers, setAnswers] = useState(new Map<string, boolean>());
  const id = checks.map(accessKey).sort().join('\n');
  useEffect(() => {
    let live = true;
    setAnswers(new Map());
    void Promise.all(checks.map(async (c) => [accessKey(c), await canI(c)] as const)).then((pairs) => {
      if (live) setAnswers(new Map(pairs));
    });
    return () => {
      live = false;
    };
  }, [id]);
  return answers;
}
