/**
 * What a value means, checked once for every action: decimal numbers that are only decimal
 * numbers, calendar dates that exist, instants with a zone, paths that stay in the workspace.
 * Each parser returns undefined (or a problem) instead of guessing: `0x10` is not 16, `1e3`
 * is not 1000 and `Feb 31` is not March 3.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * A plain decimal number: digits, an optional `-` and an optional fraction. No hex, octal or
 * binary prefix, no exponent, no `Infinity`, no `+`, no spaces, no `_` separators.
 *
 * @example
 * parseDecimal('12.5'); // 12.5
 * parseDecimal('0x10'); // undefined
 * parseDecimal('1e3'); // undefined
 */
export function parseDecimal(text: string): number | undefined {
  if (!/^-?(?:\d+(?:\.\d+)?|\.\d+)$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A date on the calendar, month 1–12. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/**
 * True when the date exists on the Gregorian calendar (`2026-02-31` does not; `2028-02-29` does).
 *
 * @example
 * isCalendarDate({ year: 2026, month: 2, day: 31 }); // false
 */
export function isCalendarDate(date: CalendarDate): boolean {
  const { year, month, day } = date;
  if (![year, month, day].every(Number.isInteger) || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A calendar date written `YYYY-MM-DD`, refused when that day does not exist.
 *
 * @example
 * parseCalendarDate('2026-11-24'); // { year: 2026, month: 11, day: 24 }
 * parseCalendarDate('2026-02-31'); // undefined
 */
export function parseCalendarDate(text: string): CalendarDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return isCalendarDate(date) ? date : undefined;
}

/**
 * An ISO 8601 instant with a zone, `2026-11-24T07:30:00Z` or `2026-11-24T07:30+01:00`, as
 * epoch milliseconds; refused when its date does not exist or its time or offset is out of
 * range (where `Date.parse` would roll `2026-02-31` over into March).
 *
 * @example
 * parseInstant('2026-11-24T07:30:00Z'); // 1795505400000
 * parseInstant('2026-02-31T07:30:00Z'); // undefined
 */
export function parseInstant(text: string): number | undefined {
  const m =
    /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m || !parseCalendarDate(m[1] ?? '')) return undefined;
  const [hour, minute, second, offsetHours, offsetMinutes] = [m[2], m[3], m[4], m[6], m[7]].map((v) =>
    Number(v ?? 0),
  ) as [number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 14 || offsetMinutes > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The real path of `path`: its nearest existing ancestor resolved through symlinks, plus the rest. */
function realPathOf(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  if (parent === path) return path;
  return resolve(realPathOf(parent), basename(path));
}

/**
 * Resolves a path given by a user against `from` (default: the workspace), following every
 * symlink of the part that exists, and says why it cannot be used when it ends up outside
 * the workspace. The workspace itself is resolved the same way.
 *
 * @example
 * resolveInWorkspace('app/dist', { workspace: '/repo' }); // { path: '/repo/app/dist' }
 * resolveInWorkspace('../etc', { workspace: '/repo' }); // { problem: 'resolves outside the workspace' }
 */
export function resolveInWorkspace(
  path: string,
  options: { workspace: string; from?: string },
): { path: string } | { problem: string } {
  if (path.includes('\0') || /[\r\n]/.test(path)) return { problem: 'must be a path on one line' };
  const workspace = realPathOf(resolve(options.workspace));
  const given = isAbsolute(path) ? path : resolve(options.from ?? options.workspace, path);
  const real = realPathOf(given);
  const rel = relative(workspace, real);
  if (rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))) return { path: real };
  const lexical = relative(resolve(options.workspace), resolve(given));
  const lexicallyInside =
    lexical === '' || (!lexical.startsWith(`..${sep}`) && lexical !== '..' && !isAbsolute(lexical));
  return {
    problem: lexicallyInside
      ? 'resolves outside the workspace through a symbolic link'
      : 'resolves outside the workspace',
  };
}
