/** The authorization modes `--authorization-mode` accepts, in Kubernetes' spelling. */
export const AUTHORIZATION_MODES = ['AlwaysAllow', 'RBAC', 'Node'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

/**
 * Parses a comma-separated `--authorization-mode` value (`RBAC`, `Node,RBAC`, `AlwaysAllow`):
 * known names, no repeats, AlwaysAllow alone. Throws an Error with a message for the user.
 * `Node` (the Node authorizer) must come with RBAC: it only narrows what nodes may do and leaves
 * the rest, the node agents' cluster-wide reads included, to RBAC.
 */
export function parseAuthorizationModes(text: string): AuthorizationMode[] {
  const modes = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (modes.length === 0) throw new Error('--authorization-mode: at least one mode is required');
  const seen = new Set<string>();
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m))
      throw new Error(`--authorization-mode: unknown mode "${m}" (one of ${AUTHORIZATION_MODES.join(', ')})`);
    if (seen.has(m)) throw new Error(`--authorization-mode: "${m}" given twice`);
    seen.add(m);
  }
  if (seen.has('AlwaysAllow') && modes.length > 1)
    throw new Error('--authorization-mode: AlwaysAllow cannot be combined with other modes');
  if (seen.has('Node') && !seen.has('RBAC'))
    throw new Error('--authorization-mode: Node needs RBAC beside it (Node,RBAC)');
  return modes as AuthorizationMode[];
}
