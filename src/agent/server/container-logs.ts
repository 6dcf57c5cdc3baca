/**
 * Reading Kubernetes-format container log files (conmon k8s-file): one record per line,
 * `<RFC3339Nano> <stream> <P|F> <text>`; P records are pieces of a longer line joined up to the
 * next F record. Output is the text (with `<timestamp> ` prefixed when asked), as the kubelet
 * serves `/containerLogs`.
 */
import { open, stat } from 'node:fs/promises';

export interface LogOptions {
  follow: boolean;
  /** Last N lines only (undefined = all). */
  tailLines?: number;
  timestamps: boolean;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
}

/** One joined log line. */
export interface LogLine {
  time: string;
  text: string;
}

/** Joins records into lines; keeps an unfinished partial line (and an unterminated record) for the next chunk. */
export class LogParser {
  private rest = '';
  private partial: LogLine | undefined;

  /** Feeds raw file text; returns the complete lines it finished. */
  push(chunk: string): LogLine[] {
    const data = this.rest + chunk;
    const records = data.split('\n');
    this.rest = records.pop() ?? '';
    const out: LogLine[] = [];
    for (const rec of records) {
      const m = /^(\S+) (\S+) ([PF]) (.*)$/s.exec(rec) ?? /^(\S+) (\S+) ([PF])$/.exec(rec);
      if (!m) continue;
      const [, time = '', , tag, text = ''] = m;
      if (this.partial) this.partial.text += text;
      else this.partial = { time, text };
      if (tag === 'F') {
        out.push(this.partial);
        this.partial = undefined;
      }
    }
    return out;
  }

  /** What is left at the end of a log that will not grow: an unfinished partial line. */
  flush(): LogLine[] {
    const left = this.partial ? [this.partial] : [];
    this.partial = undefined;
    return left;
  }
}

/** A line as served. Pure. */
export function formatLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${servedTime(line.time)} ${line.text}\n` : `${line.text}\n`;
}

/**
 * A record's time as the kubelet serves it (Go's RFC3339Nano): `Z` for a zero offset (conmon writes
 * `+00:00`), no trailing zeros in the fraction. Pure.
 */
export function servedTime(time: string): string {
  const m = /^([^.]+?)(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) return time;
  const [, base, fraction = '', zone] = m;
  const trimmed = fraction.replace(/0+$/, '');
  return `${base}${trimmed ? `.${trimmed}` : ''}${zone === '+00:00' || zone === '-00:00' ? 'Z' : zone}`;
}

/** Whether a line passes sinceMs. Pure. */
function since(line: LogLine, sinceMs: number | undefined): boolean {
  return sinceMs === undefined || Date.parse(line.time) >= sinceMs;
}

/**
 * Streams a log file to `write` (which returns false when the reader went away). With follow,
 * keeps polling the file for appended records until `active()` turns false (and the file is read to
 * its end) or `closed()` is true, and follows the log across rotations (the renamed file is read to
 * its end, then the new one at the same path from its start).
 */
export async function streamLog(
  file: string,
  o: LogOptions,
  write: (s: string) => Promise<boolean>,
  active: () => boolean,
  closed: () => boolean,
  pollMs = 100,
): Promise<void> {
  let fh = await open(file, 'r');
  try {
    const parser = new LogParser();
    let pos = 0;
    let budget = o.limitBytes ?? Infinity;
    const emit = async (lines: LogLine[]): Promise<boolean> => {
      for (const l of lines) {
        if (!since(l, o.sinceMs)) continue;
        let s = formatLine(l, o.timestamps);
        if (Buffer.byteLength(s) > budget) s = Buffer.from(s).subarray(0, budget).toString();
        budget -= Buffer.byteLength(s);
        if (!(await write(s))) return false;
        if (budget <= 0) return false;
      }
      return true;
    };
    const readMore = async (): Promise<string> => {
      const size = (await fh.stat()).size;
      if (size <= pos) {
        // Read to its end: when the log was rotated (renamed, a new file at the path), go on there.
        if (o.follow && (await rotatedAway())) return readMore();
        return '';
      }
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      return buf.subarray(0, bytesRead).toString('utf8');
    };
    const rotatedAway = async (): Promise<boolean> => {
      const now = await stat(file).catch(() => undefined);
      const current = await fh.stat();
      // conmon writes to the renamed file until it has reopened the path: finish that one first.
      if (!now || now.ino === current.ino || current.size > pos) return false;
      const next = await open(file, 'r');
      await fh.close();
      fh = next;
      pos = 0;
      return true;
    };
    let first = parser.push(await readMore());
    if (!o.follow) first.push(...parser.flush());
    if (o.tailLines !== undefined)
      first = o.tailLines <= 0 ? [] : first.filter((l) => since(l, o.sinceMs)).slice(-o.tailLines);
    if (!(await emit(first)) || !o.follow) return;
    for (;;) {
      if (closed()) return;
      const wasActive = active();
      const lines = parser.push(await readMore());
      if (!wasActive) lines.push(...parser.flush());
      if (!(await emit(lines))) return;
      if (!wasActive) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await fh.close();
  }
}

/** Whether a file exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
