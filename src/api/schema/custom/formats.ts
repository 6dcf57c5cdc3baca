/**
 * The string formats kube-apiserver checks in custom resources (kube-openapi's strfmt registry).
 * A value of `type: string` with one of these formats must parse; unknown formats are not checked,
 * as upstream. Each check is a pure predicate.
 */
import { isIPv4, isIPv6 } from 'node:net';

const HOSTNAME =
  /^[a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)(\.[a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?))*\.?$/u;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const uuidVersion = (v: number) =>
  new RegExp(
    `^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}[0-9a-f]{3}-?${v === 3 || v === 5 ? '' : '[89ab]'}[0-9a-f]{${v === 3 || v === 5 ? 4 : 3}}-?[0-9a-f]{12}$`,
    'i',
  );
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^([0-9a-f]{2}[:-]){7}[0-9a-f]{2}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
// Go's time.ParseDuration units plus strfmt's long forms (1d, 2 weeks).
const DURATION =
  /^(-?\d+(\.\d+)?\s*(ns|us|µs|ms|s|m|h|d|w|sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|day|days|wk|wks|week|weeks)\s*)+$/;
const BSON = /^[0-9a-f]{24}$/i;
const HEX_COLOR = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;
const RGB_COLOR = /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/;
const ISBN10 = /^(?:[0-9]{9}X|[0-9]{10})$/;
const ISBN13 = /^(?:[0-9]{13})$/;
const SSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validDate(y: string, m: string, d: string): boolean {
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
}

function uri(v: string): boolean {
  // Go's url.ParseRequestURI: an absolute URI or an absolute path.
  if (v.startsWith('/')) return !/\s/.test(v);
  try {
    new URL(v);
    return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(v);
  } catch {
    return false;
  }
}

function cidr(v: string): boolean {
  const slash = v.indexOf('/');
  if (slash < 0) return false;
  const ip = v.slice(0, slash);
  const bits = v.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

function luhn(v: string): boolean {
  const digits = v.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const FORMATS: Record<string, (v: string) => boolean> = {
  bsonobjectid: (v) => BSON.test(v),
  uri,
  email: (v) => EMAIL.test(v),
  hostname: (v) => v.length <= 255 && HOSTNAME.test(v),
  ipv4: (v) => isIPv4(v),
  ipv6: (v) => isIPv6(v),
  cidr,
  mac: (v) => MAC.test(v),
  uuid: (v) => UUID.test(v),
  uuid3: (v) => uuidVersion(3).test(v),
  uuid4: (v) => uuidVersion(4).test(v),
  uuid5: (v) => uuidVersion(5).test(v),
  isbn: (v) => ISBN10.test(v.replace(/[\s-]/g, '')) || ISBN13.test(v.replace(/[\s-]/g, '')),
  isbn10: (v) => ISBN10.test(v.replace(/[\s-]/g, '')),
  isbn13: (v) => ISBN13.test(v.replace(/[\s-]/g, '')),
  creditcard: luhn,
  ssn: (v) => SSN.test(v),
  hexcolor: (v) => HEX_COLOR.test(v),
  rgbcolor: (v) => RGB_COLOR.test(v),
  byte: (v) => BASE64.test(v),
  password: () => true,
  date: (v) => {
    const m = DATE.exec(v);
    return m !== null && validDate(m[1] as string, m[2] as string, m[3] as string);
  },
  'date-time': (v) => {
    const m = DATE_TIME.exec(v);
    return (
      m !== null && validDate(m[1] as string, m[2] as string, m[3] as string) && Number(m[4]) < 24 && Number(m[5]) < 60
    );
  },
  datetime: (v) => FORMATS['date-time']?.(v) ?? false,
  duration: (v) => DURATION.test(v),
};
