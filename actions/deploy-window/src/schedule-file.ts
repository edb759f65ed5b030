/**
 * Reads a schedule file (YAML) into a {@link Schedule}. Every mistake names the line it is on,
 * so the action can annotate the file where the fix belongs.
 *
 * ```yaml
 * timezone: America/New_York
 * windows:
 *   - { days: Tue-Thu, from: "02:00", to: "06:00" }
 *   - { days: Sat, from: "06:00", to: "10:00" }
 * blackouts:
 *   - { name: School hours, days: Mon-Fri, from: "07:00", to: "16:00" }
 * holidays: us-federal
 * freezes:
 *   - { name: Winter break, from: 2026-12-18, to: 2027-01-04 }
 * environments:
 *   staging: { windows: always }
 * ```
 */
import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { isTimeZone, type LocalDate } from './calendar.js';
import type { Blackout, Freeze, Schedule, WeeklyPeriod } from './schedule.js';

/** A mistake in the schedule file, with the line it is on (1-based) when known. */
export class ScheduleFileError extends Error {
  override readonly name = 'ScheduleFileError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

type Path = (string | number)[];

const DAY_NAMES: Record<string, number> = {
  sun: 0,
  sunday: 0,
  mon: 1,
  monday: 1,
  tue: 2,
  tues: 2,
  tuesday: 2,
  wed: 3,
  wednesday: 3,
  thu: 4,
  thur: 4,
  thurs: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
};

const TOP_KEYS = ['timezone', 'windows', 'blackouts', 'holidays', 'freezes', 'environments'];
const ENVIRONMENT_KEYS = TOP_KEYS.filter((k) => k !== 'environments' && k !== 'timezone');

class Reader {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  lineOf(path: Path): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  fail(path: Path, message: string): never {
    throw new ScheduleFileError(`${pathText(path)}: ${message}`, this.lineOf(path));
  }
}

function pathText(path: Path): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
      .join('')
      .replace(/^\./, '') || '(top level)'
  );
}

/**
 * Parses `HH:MM` (00:00–24:00) into minutes since midnight.
 *
 * @example
 * parseClock('06:30'); // 390
 */
export function parseClock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && minutes <= 1440 ? minutes : undefined;
}

/**
 * Parses weekdays: `Tue-Thu`, `Mon–Fri`, `Sat`, `tue, thu`, `weekdays`, `weekends`, `daily`,
 * or a YAML list of those.
 *
 * @example
 * parseDays('Tue-Thu'); // [2, 3, 4]
 */
export function parseDays(value: unknown): number[] | undefined {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items || items.length === 0) return undefined;
  const days = new Set<number>();
  for (const item of items) {
    if (typeof item !== 'string') return undefined;
    const text = item.trim().toLowerCase();
    if (text === 'daily' || text === 'every day') [0, 1, 2, 3, 4, 5, 6].forEach((d) => days.add(d));
    else if (text === 'weekdays') [1, 2, 3, 4, 5].forEach((d) => days.add(d));
    else if (text === 'weekends') [0, 6].forEach((d) => days.add(d));
    else {
      const range = /^([a-z]+)\s*[-–]\s*([a-z]+)$/.exec(text);
      if (range) {
        const from = DAY_NAMES[range[1] ?? ''];
        const to = DAY_NAMES[range[2] ?? ''];
        if (from === undefined || to === undefined) return undefined;
        for (let d = from; ; d = (d + 1) % 7) {
          days.add(d);
          if (d === to) break;
        }
      } else {
        const day = DAY_NAMES[text];
        if (day === undefined) return undefined;
        days.add(day);
      }
    }
  }
  return [...days].sort((a, b) => a - b);
}

function parseLocalDateTime(text: string): { date: LocalDate; minute?: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}:\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) return undefined;
  if (m[4] === undefined) return { date };
  const minute = parseClock(m[4]);
  return minute === undefined ? undefined : { date, minute };
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return undefined;
}

function readPeriod(
  r: Reader,
  value: unknown,
  path: Path,
  withName: boolean,
): WeeklyPeriod & { name?: string } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    r.fail(path, `must be a mapping with days, from and to${withName ? ' and a name' : ''}`);
  }
  const v = value as Record<string, unknown>;
  const allowed = withName ? ['name', 'days', 'from', 'to'] : ['days', 'from', 'to'];
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) r.fail([...path, key], `unknown key; expected ${allowed.join(', ')}`);
  }
  const days = parseDays(v.days);
  if (!days)
    r.fail(
      [...path, 'days'],
      `must be weekdays such as Tue-Thu, Sat, 'Mon, Wed' or weekdays; got ${JSON.stringify(v.days)}`,
    );
  const clock = (key: 'from' | 'to') => {
    const text = asText(v[key]);
    const minute = text === undefined ? undefined : parseClock(text);
    if (minute === undefined) {
      r.fail(
        [...path, key],
        `must be a quoted local time "HH:MM" from "00:00" to "24:00"; got ${JSON.stringify(v[key])}`,
      );
    }
    return minute;
  };
  const from = clock('from');
  const to = clock('to');
  if (from === to) r.fail([...path, 'to'], 'must differ from from (an empty period)');
  if (from === 1440) r.fail([...path, 'from'], 'cannot be 24:00');
  const period: WeeklyPeriod & { name?: string } = { days, from, to: to === 1440 && from > 0 ? 1440 : to };
  if (withName) {
    if (typeof v.name !== 'string' || v.name.trim() === '')
      r.fail([...path, 'name'], 'each blackout needs a name');
    period.name = v.name.trim();
  }
  return period;
}

function readFreeze(r: Reader, value: unknown, path: Path): Freeze {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    r.fail(path, 'must be a mapping with name, from and to');
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!['name', 'from', 'to'].includes(key)) r.fail([...path, key], 'unknown key; expected name, from, to');
  }
  if (typeof v.name !== 'string' || v.name.trim() === '')
    r.fail([...path, 'name'], 'each freeze needs a name');
  const point = (key: 'from' | 'to') => {
    const text = asText(v[key]);
    const parsed = text === undefined ? undefined : parseLocalDateTime(text);
    if (!parsed)
      r.fail(
        [...path, key],
        `must be a local date YYYY-MM-DD or date and time 'YYYY-MM-DD HH:MM'; got ${JSON.stringify(v[key])}`,
      );
    return parsed;
  };
  const from = point('from');
  const to = point('to');
  // A date alone: from the start of the first day to the end of the last (inclusive).
  const freeze: Freeze = {
    name: v.name.trim(),
    from: { date: from.date, minute: from.minute ?? 0 },
    to: { date: to.date, minute: to.minute ?? 1440 },
  };
  const order =
    Date.UTC(freeze.to.date.year, freeze.to.date.month - 1, freeze.to.date.day, 0, freeze.to.minute) -
    Date.UTC(freeze.from.date.year, freeze.from.date.month - 1, freeze.from.date.day, 0, freeze.from.minute);
  if (order <= 0) r.fail([...path, 'to'], 'must be after from');
  return freeze;
}

function readList<T>(r: Reader, value: unknown, path: Path, item: (v: unknown, p: Path) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) r.fail(path, 'must be a list');
  return value.map((v, i) => item(v, [...path, i]));
}

function readPart(r: Reader, v: Record<string, unknown>, path: Path, keys: string[]): Partial<Schedule> {
  for (const key of Object.keys(v)) {
    if (!keys.includes(key)) r.fail([...path, key], `unknown key; expected ${keys.join(', ')}`);
  }
  const part: { -readonly [K in keyof Schedule]?: Schedule[K] } = {};
  if ('windows' in v) {
    part.windows =
      v.windows === 'always'
        ? 'always'
        : readList(r, v.windows, [...path, 'windows'], (w, p) => {
            const { days, from, to } = readPeriod(r, w, p, false);
            return { days, from, to };
          });
  }
  if ('blackouts' in v) {
    part.blackouts = readList(
      r,
      v.blackouts,
      [...path, 'blackouts'],
      (b, p) => readPeriod(r, b, p, true) as Blackout,
    );
  }
  if ('holidays' in v) {
    if (v.holidays !== 'us-federal' && v.holidays !== 'none') {
      r.fail([...path, 'holidays'], `must be us-federal or none; got ${JSON.stringify(v.holidays)}`);
    }
    part.federalHolidays = v.holidays === 'us-federal';
  }
  if ('freezes' in v)
    part.freezes = readList(r, v.freezes, [...path, 'freezes'], (f, p) => readFreeze(r, f, p));
  return part;
}

/**
 * Parses a schedule file's text for an environment (its `environments.<name>` section, when
 * there is one, overrides the top-level keys).
 *
 * @example
 * const schedule = parseScheduleFile(readFileSync('.github/deploy-windows.yml', 'utf8'), 'production');
 */
export function parseScheduleFile(text: string, environment?: string): Schedule {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lines.linePos(syntax.pos[0]).line;
    throw new ScheduleFileError(`not valid YAML: ${syntax.message.split('\n')[0]}`, line);
  }
  const r: Reader = new Reader(doc, lines);
  if (!isMap(doc.contents)) r.fail([], 'must be a mapping with timezone and windows');
  const top = doc.toJS() as Record<string, unknown>;
  const timeZone = top.timezone;
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
    r.fail(
      ['timezone'],
      `must be an IANA time zone such as America/New_York; got ${JSON.stringify(timeZone)}`,
    );
  }
  const base = readPart(r, top, [], TOP_KEYS);
  let override: Partial<Schedule> = {};
  if (top.environments !== undefined) {
    const environments = doc.get('environments', true);
    if (!isMap(environments) || isSeq(environments))
      r.fail(['environments'], 'must map environment names to schedules');
    const section =
      environment === undefined ? undefined : (top.environments as Record<string, unknown>)[environment];
    if (section !== undefined && section !== null) {
      if (typeof section !== 'object' || Array.isArray(section)) {
        r.fail(
          ['environments', environment as string],
          'must be a mapping of windows, blackouts, holidays, freezes',
        );
      }
      override = readPart(
        r,
        section as Record<string, unknown>,
        ['environments', environment as string],
        ENVIRONMENT_KEYS,
      );
    }
  }
  const windows = override.windows ?? base.windows;
  if (windows === undefined) r.fail(['windows'], "is required: a list of { days, from, to } or 'always'");
  return {
    timeZone,
    windows,
    blackouts: override.blackouts ?? base.blackouts ?? [],
    federalHolidays: override.federalHolidays ?? base.federalHolidays ?? false,
    freezes: override.freezes ?? base.freezes ?? [],
  };
}
