import pino, { type Logger } from 'pino';

/**
 * The process logger: JSON lines to stderr (fd 2, synchronous, so nothing is lost on exit).
 * Created once by the CLI (level from --log-level, whose default FLOTILLA_LOG_LEVEL sets) and passed
 * down; components take a child logger, never a global one.
 */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
