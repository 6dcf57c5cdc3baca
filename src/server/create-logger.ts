import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';

/**
 * The process logger: JSON lines to stderr (fd 2, synchronous, so nothing is lost on exit), or, with
 * `file`, JSON lines to that file and warnings and errors as readable text on stderr (a person at
 * the terminal of `flotilla up` reads progress, not JSON). Created once by the CLI (level from
 * --log-level, whose default FLOTILLA_LOG_LEVEL sets) and passed down; components take a child
 * logger, never a global one.
 */
export function createLogger(level = 'info', file?: string): Logger {
  const options = { level, base: { pid: process.pid } };
  if (file === undefined) return pino(options, pino.destination({ fd: 2, sync: true }));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  return pino(
    options,
    pino.multistream([
      { level: level as pino.Level, stream: pino.destination({ dest: file, sync: true }) },
      { level: 'warn', stream: { write: (line: string) => process.stderr.write(terminalLine(line)) } },
    ]),
  );
}

const LEVEL_WORDS: Record<number, string> = { 40: 'warning', 50: 'error', 60: 'fatal' };
/** Fields a reader needs to place a message; the rest stays in the JSON file. */
const CONTEXT_FIELDS = ['component', 'node', 'controller', 'key', 'pod', 'id'];

/** One JSON log line as text for the terminal: `flotilla: warning: msg (component=agent, ...): error`. Pure. */
export function terminalLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const word = LEVEL_WORDS[Number(entry.level)] ?? 'log';
  const context = CONTEXT_FIELDS.filter((f) => typeof entry[f] === 'string' || typeof entry[f] === 'number')
    .map((f) => `${f}=${String(entry[f])}`)
    .join(', ');
  const err = entry.err as { message?: unknown } | string | undefined;
  const reason = typeof err === 'string' ? err : typeof err?.message === 'string' ? err.message : undefined;
  return `flotilla: ${word}: ${String(entry.msg ?? '')}${context ? ` (${context})` : ''}${reason ? `: ${reason}` : ''}\n`;
}
