/**
 * Calendar arithmetic in an IANA time zone through `Intl`, with no time-zone data of our own:
 * local dates, the wall clock of an instant, and the instant of a local date and time
 * (daylight-saving changes included).
 */

/** A date on the local calendar (month 1–12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** What a clock on the wall in the time zone shows at an instant. */
export interface WallClock extends LocalDate {
  /** Minutes since local midnight, 0–1439. */
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

export const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * True when `Intl` knows the time zone.
 *
 * @example
 * isTimeZone('America/New_York'); // true
 * isTimeZone('Eastern'); // false
 */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall clock in `timeZone` at `instant` (ms since the epoch).
 *
 * @example
 * wallClock(Date.parse('2026-11-24T08:30:00Z'), 'America/New_York');
 * // { year: 2026, month: 11, day: 24, minute: 210, weekday: 2 }  (Tue 03:30)
 */
export function wallClock(instant: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const date = { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0 };
  return { ...date, minute: (parts.hour ?? 0) * 60 + (parts.minute ?? 0), weekday: weekdayOf(date) };
}

/** The zone's offset from UTC at `instant`, in ms (wall clock minus UTC). */
function offsetAt(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` and `minute` (minutes since
 * midnight; 1440 is the next midnight). A time skipped by the spring-forward change is moved
 * forward by the gap (02:30 → 03:30), and a time that occurs twice in the autumn maps to its
 * first occurrence — the same choices as Temporal's `compatible` disambiguation.
 *
 * @example
 * new Date(zonedInstant({ year: 2026, month: 7, day: 1 }, 120, 'America/New_York')).toISOString();
 * // '2026-07-01T06:00:00.000Z'
 */
export function zonedInstant(date: LocalDate, minute: number, timeZone: string): number {
  const guess = Date.UTC(date.year, date.month - 1, date.day, 0, minute);
  const first = guess - offsetAt(guess, timeZone);
  const second = guess - offsetAt(first, timeZone);
  return first === second ? first : Math.max(first, second);
}

/**
 * The day of the week of a local date (0 = Sunday).
 *
 * @example
 * weekdayOf({ year: 2026, month: 11, day: 26 }); // 4 (Thursday)
 */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/**
 * The date `days` days after `date`.
 *
 * @example
 * addDays({ year: 2026, month: 12, day: 31 }, 1); // { year: 2027, month: 1, day: 1 }
 */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * `YYYY-MM-DD`.
 *
 * @example
 * isoDate({ year: 2026, month: 7, day: 4 }); // '2026-07-04'
 */
export function isoDate(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** Orders dates: negative, zero or positive. */
export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * `HH:MM` for minutes since midnight (1440 shows as `24:00`).
 *
 * @example
 * clockText(390); // '06:30'
 */
export function clockText(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** The n-th (1-based) given weekday of a month, or with n = -1 the last one. */
export function nthWeekday(year: number, month: number, weekday: number, n: number): LocalDate {
  if (n > 0) {
    const first = weekdayOf({ year, month, day: 1 });
    return { year, month, day: 1 + ((weekday - first + 7) % 7) + (n - 1) * 7 };
  }
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = weekdayOf({ year, month, day: lastDay });
  return { year, month, day: lastDay - ((last - weekday + 7) % 7) };
}
