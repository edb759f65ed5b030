/**
 * Deployment windows: when a deploy may start. A schedule names weekly windows in one IANA
 * time zone (Tue–Thu 02:00–06:00, Sat 06:00–10:00), and blackouts that win over them:
 * recurring ones (school hours), US federal holidays and named freeze periods. Everything here
 * is pure: the clock comes in as an instant.
 */
import {
  WEEKDAY_NAMES,
  addDays,
  clockText,
  compareDates,
  isoDate,
  wallClock,
  weekdayOf,
  zonedInstant,
  type LocalDate,
} from './calendar.js';
import { federalHolidayOn, holidayText } from './holidays.js';

/** A period that recurs every week on some days, from one local time to another. */
export interface WeeklyPeriod {
  /** Weekdays it starts on (0 = Sunday). */
  days: readonly number[];
  /** Minutes since midnight; `to` < `from` means it ends the next day. */
  from: number;
  to: number;
}

export interface Blackout extends WeeklyPeriod {
  name: string;
}

/** A named freeze from one local date-time to another (`to` exclusive). */
export interface Freeze {
  name: string;
  from: { date: LocalDate; minute: number };
  to: { date: LocalDate; minute: number };
}

export interface Schedule {
  timeZone: string;
  /** Weekly windows, or `always` (only blackouts restrict). */
  windows: readonly WeeklyPeriod[] | 'always';
  blackouts: readonly Blackout[];
  /** Whether US federal holidays (and their observed days) are blacked out. */
  federalHolidays: boolean;
  freezes: readonly Freeze[];
}

/** A span of local minutes on one date, [from, to). */
interface Span {
  from: number;
  to: number;
}

interface Block extends Span {
  reason: string;
}

/** An allowed window as instants, with its local description. */
export interface AllowedWindow {
  start: number;
  end: number;
  /** `Tue 2026-11-24 02:00–06:00 America/New_York` */
  text: string;
}

export interface WindowDecision {
  allowed: boolean;
  /** The local time the decision was made for: `Wed 2026-11-25 10:15 America/New_York`. */
  localTime: string;
  /** When allowed: the window the instant is in (ends where a blackout or the window ends). */
  current?: AllowedWindow;
  /** Whether the instant is inside a weekly window at all (before blackouts). */
  inWindow: boolean;
  /** The blackouts in force at the instant (school hours, a holiday, a freeze). */
  blockedBy: string[];
  /** The first allowed window after the instant, within the horizon. */
  next?: AllowedWindow;
}

const DAY_MINUTES = 1440;

function weeklySpans(periods: readonly WeeklyPeriod[], date: LocalDate): Span[] {
  const today = weekdayOf(date);
  const yesterday = (today + 6) % 7;
  const spans: Span[] = [];
  for (const p of periods) {
    if (p.from < p.to) {
      if (p.days.includes(today)) spans.push({ from: p.from, to: p.to });
    } else {
      if (p.days.includes(today)) spans.push({ from: p.from, to: DAY_MINUTES });
      if (p.days.includes(yesterday) && p.to > 0) spans.push({ from: 0, to: p.to });
    }
  }
  return spans;
}

function windowSpans(schedule: Schedule, date: LocalDate): Span[] {
  return schedule.windows === 'always' ? [{ from: 0, to: DAY_MINUTES }] : weeklySpans(schedule.windows, date);
}

function blocks(schedule: Schedule, date: LocalDate): Block[] {
  const out: Block[] = [];
  for (const b of schedule.blackouts) {
    for (const s of weeklySpans([b], date)) out.push({ ...s, reason: `${b.name} (${periodText(b)})` });
  }
  if (schedule.federalHolidays) {
    const holiday = federalHolidayOn(date);
    if (holiday)
      out.push({ from: 0, to: DAY_MINUTES, reason: `federal holiday: ${holidayText(holiday, date)}` });
  }
  for (const f of schedule.freezes) {
    if (compareDates(date, f.from.date) < 0 || compareDates(date, f.to.date) > 0) continue;
    const from = compareDates(date, f.from.date) === 0 ? f.from.minute : 0;
    const to = compareDates(date, f.to.date) === 0 ? f.to.minute : DAY_MINUTES;
    if (from < to) out.push({ from, to, reason: `freeze: ${f.name} (${freezeText(f)})` });
  }
  return out;
}

/** Union of `spans` minus union of `cuts`, sorted and merged. */
function subtract(spans: Span[], cuts: Span[]): Span[] {
  const minutes = new Uint8Array(DAY_MINUTES);
  for (const s of spans) minutes.fill(1, s.from, s.to);
  for (const c of cuts) minutes.fill(0, c.from, c.to);
  const out: Span[] = [];
  for (let m = 0; m < DAY_MINUTES; m++) {
    if (!minutes[m]) continue;
    const from = m;
    while (m < DAY_MINUTES && minutes[m]) m++;
    out.push({ from, to: m });
  }
  return out;
}

/** The allowed spans of a local date (windows minus blackouts). */
function allowedSpans(schedule: Schedule, date: LocalDate): Span[] {
  return subtract(windowSpans(schedule, date), blocks(schedule, date));
}

function dayText(date: LocalDate): string {
  return `${WEEKDAY_NAMES[weekdayOf(date)]} ${isoDate(date)}`;
}

/** Follows an allowed span that ends at midnight into the next day's span that starts there. */
function extend(
  schedule: Schedule,
  date: LocalDate,
  span: Span,
  maxDays = 14,
): { date: LocalDate; to: number } {
  let end = { date, to: span.to };
  for (let i = 0; i < maxDays && end.to === DAY_MINUTES; i++) {
    const nextDate = addDays(end.date, 1);
    const first = allowedSpans(schedule, nextDate)[0];
    if (!first || first.from !== 0) break;
    end = { date: nextDate, to: first.to };
  }
  return end;
}

function allowedWindow(schedule: Schedule, date: LocalDate, span: Span): AllowedWindow {
  const end = extend(schedule, date, span);
  const sameDay = compareDates(end.date, date) === 0;
  const endText = sameDay ? clockText(end.to) : `${dayText(end.date)} ${clockText(end.to)}`;
  return {
    start: zonedInstant(date, span.from, schedule.timeZone),
    end: zonedInstant(end.date, end.to, schedule.timeZone),
    text: `${dayText(date)} ${clockText(span.from)}–${endText} ${schedule.timeZone}`,
  };
}

/**
 * The allowed windows that end after `instant`, in order, at most `count`, looking `horizonDays` ahead.
 *
 * @example
 * upcomingWindows(schedule, Date.parse('2026-11-24T12:00:00Z'), 3).map((w) => w.text);
 */
export function upcomingWindows(
  schedule: Schedule,
  instant: number,
  count: number,
  horizonDays = 400,
): AllowedWindow[] {
  const today = wallClock(instant, schedule.timeZone);
  const out: AllowedWindow[] = [];
  // Start a day early: a window that began yesterday may still be open.
  for (let i = -1; i <= horizonDays && out.length < count; i++) {
    const date = addDays(today, i);
    for (const span of allowedSpans(schedule, date)) {
      // A span starting at midnight that continues yesterday's is part of that window.
      if (span.from === 0 && out.length > 0) {
        const previous = allowedSpans(schedule, addDays(date, -1)).at(-1);
        if (previous?.to === DAY_MINUTES) continue;
      }
      const w = allowedWindow(schedule, date, span);
      if (w.end > instant && out.length < count) out.push(w);
    }
  }
  return out;
}

/**
 * Decides whether a deploy may start at `instant`, and if not, why and when it may.
 *
 * @example
 * const d = decide(schedule, Date.parse('2026-11-25T15:15:00Z'));
 * d.allowed; // false
 * d.blockedBy; // ['School hours (Mon–Fri 07:00–16:00)']
 * d.next?.text; // 'Sat 2026-11-28 06:00–10:00 America/New_York'
 */
export function decide(schedule: Schedule, instant: number, horizonDays = 400): WindowDecision {
  const now = wallClock(instant, schedule.timeZone);
  const inSpan = (s: Span) => s.from <= now.minute && now.minute < s.to;
  const inWindow = windowSpans(schedule, now).some(inSpan);
  const blockedBy = blocks(schedule, now)
    .filter(inSpan)
    .map((b) => b.reason);
  const allowed = inWindow && blockedBy.length === 0;
  const localTime = `${dayText(now)} ${clockText(now.minute)} ${schedule.timeZone}`;
  const windows = upcomingWindows(schedule, instant, 2, horizonDays);
  const current = allowed ? windows.find((w) => w.start <= instant && instant < w.end) : undefined;
  const next = windows.find((w) => w.start > instant);
  return {
    allowed,
    localTime,
    inWindow,
    blockedBy,
    ...(current ? { current } : {}),
    ...(next ? { next } : {}),
  };
}

/**
 * The sentence a refused deploy shows.
 *
 * @example
 * refusalMessage('production', decision);
 * // "Deploys to production are not allowed at Wed 2026-11-25 10:15 America/New_York: School hours (Mon–Fri 07:00–16:00). Next allowed window: Sat 2026-11-28 06:00–10:00 America/New_York (starts 2026-11-28T11:00:00Z). To deploy anyway, set emergency: true with a reason."
 */
export function refusalMessage(environment: string | undefined, decision: WindowDecision): string {
  const target = environment ? `Deploys to ${environment}` : 'Deploys';
  const why = decision.blockedBy.length ? decision.blockedBy.join('; ') : 'outside every deployment window';
  const next = decision.next
    ? `Next allowed window: ${decision.next.text} (starts ${new Date(decision.next.start).toISOString()}).`
    : 'No allowed window in the next 400 days: check the schedule.';
  return `${target} are not allowed at ${decision.localTime}: ${why}. ${next} To deploy anyway, set emergency: true with a reason.`;
}

/** `Tue–Thu 02:00–06:00` */
export function periodText(p: WeeklyPeriod): string {
  return `${daysText(p.days)} ${clockText(p.from)}–${clockText(p.to)}`;
}

/**
 * Weekdays as people write them: runs become ranges.
 *
 * @example
 * daysText([1, 2, 3, 4, 5]); // 'Mon–Fri'
 * daysText([2, 4, 6]); // 'Tue, Thu, Sat'
 */
export function daysText(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return 'every day';
  const runs: number[][] = [];
  for (const d of sorted) {
    const run = runs.at(-1);
    if (run && run.at(-1) === d - 1) run.push(d);
    else runs.push([d]);
  }
  return runs
    .flatMap((run) => {
      const names = run.map((d) => WEEKDAY_NAMES[d] ?? '?');
      return run.length >= 3 ? [`${names[0]}–${names.at(-1)}`] : names;
    })
    .join(', ');
}

function freezeText(f: Freeze): string {
  const at = (p: { date: LocalDate; minute: number }) => `${isoDate(p.date)} ${clockText(p.minute)}`;
  return `${at(f.from)} – ${at(f.to)}`;
}
