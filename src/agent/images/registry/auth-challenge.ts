/** One `WWW-Authenticate` challenge: scheme (lower case) and its parameters (names lower case). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235): one or more challenges such as
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"`
 * or `Basic realm="Registry Realm"`. Quoted values may hold commas and `\"` escapes. Pure; never throws.
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const s = header;
  const skipSpace = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && !/[\s,="]/.test(s[i] ?? '')) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipSpace();
    const scheme = token();
    if (!scheme) {
      i++;
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    // Parameters until the next token that is not followed by '=' (the next scheme).
    for (;;) {
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      if (s[i] === ',') i++;
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      const save = i;
      const name = token();
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      if (!name || s[i] !== '=') {
        i = save;
        break;
      }
      i++;
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        value = token();
      }
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return out;
}
