/**
 * Cron schedule syntax as CronJobs accept it (robfig/cron standard parser): five fields
 * (minute hour day-of-month month day-of-week) or a descriptor (@hourly, @every 1h, ...).
 */

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Bounds {
  min: number;
  max: number;
  names?: string[];
  nameBase?: number;
}
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 6, names: DAYS, nameBase: 0 },
];

function parseValue(s: string, b: Bounds): number | string {
  const idx = b.names?.indexOf(s.toUpperCase()) ?? -1;
  if (idx >= 0) return idx + (b.nameBase ?? 0);
  if (!/^[0-9]+$/.test(s)) return `failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`;
  return Number(s);
}

function checkRange(expr: string, b: Bounds, allowQuestion: boolean): string | undefined {
  const [rangePart, stepPart, ...extra] = expr.split('/');
  if (extra.length) return `too many slashes: ${expr}`;
  let start: number;
  let end: number;
  if (rangePart === '*' || (allowQuestion && rangePart === '?')) {
    start = b.min;
    end = b.max;
  } else {
    const [lo, hi, ...more] = rangePart.split('-');
    if (more.length) return `too many hyphens: ${expr}`;
    const l = parseValue(lo, b);
    if (typeof l === 'string') return l;
    start = l;
    end = l;
    if (hi !== undefined) {
      const h = parseValue(hi, b);
      if (typeof h === 'string') return h;
      end = h;
    }
  }
  if (stepPart !== undefined) {
    const st = parseValue(stepPart, { min: 0, max: 0 });
    if (typeof st === 'string') return st;
    if (st === 0) return `step of range should be a positive number: ${expr}`;
  }
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`;
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return undefined;
}

/** The parser's error for `schedule`, or undefined when it is valid. */
export function cronScheduleError(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.length === 0) return 'empty spec string';
  if (s.startsWith('@')) {
    if (DESCRIPTORS.includes(s)) return undefined;
    if (s.startsWith('@every ')) {
      return /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(s.slice(7).trim())
        ? undefined
        : `failed to parse duration ${s}: time: invalid duration "${s.slice(7).trim()}"`;
    }
    return `unrecognized descriptor: ${s}`;
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    for (const part of fields[i].split(',')) {
      const err = checkRange(part, FIELDS[i], i === 2 || i === 4);
      if (err) return err;
    }
  }
  return undefined;
}
