import { describe, expect, it } from '@jest/globals';
import { addDays, wallClock, zonedInstant } from '../src/calendar.js';
import { federalHolidayOn, usFederalHolidays } from '../src/holidays.js';
import { daysText, decide, refusalMessage, upcomingWindows, type Schedule } from '../src/schedule.js';
import { parseClock, parseDays, parseScheduleFile, ScheduleFileError } from '../src/schedule-file.js';

const NY = 'America/New_York';
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

const SCHOOL_DISTRICT = `# the district's rules
timezone: America/New_York
windows:
  - { days: Tue-Thu, from: "02:00", to: "06:00" }
  - { days: Sat, from: "06:00", to: "10:00" }
blackouts:
  - { name: School hours, days: Mon-Fri, from: "07:00", to: "16:00" }
holidays: us-federal
freezes:
  - { name: Winter break, from: 2026-12-18, to: 2027-01-04 }
environments:
  staging:
    windows: always
    holidays: none
`;

describe('calendar', () => {
  it('finds the UTC instant of a local time on both sides of daylight saving', () => {
    expect(iso(zonedInstant({ year: 2026, month: 7, day: 1 }, 120, NY))).toBe('2026-07-01T06:00:00.000Z');
    expect(iso(zonedInstant({ year: 2026, month: 1, day: 15 }, 120, NY))).toBe('2026-01-15T07:00:00.000Z');
    // 02:30 does not exist on 8 March 2026 in New York: moved forward by the hour's gap.
    expect(iso(zonedInstant({ year: 2026, month: 3, day: 8 }, 150, NY))).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 1 November 2026: the first (EDT) one.
    expect(iso(zonedInstant({ year: 2026, month: 11, day: 1 }, 90, NY))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(zonedInstant({ year: 2026, month: 11, day: 1 }, 1440, NY))).toBe('2026-11-02T05:00:00.000Z');
  });

  it('reads the wall clock and weekday of an instant in a zone', () => {
    expect(wallClock(Date.parse('2026-11-24T08:30:00Z'), NY)).toEqual({
      year: 2026,
      month: 11,
      day: 24,
      minute: 210,
      weekday: 2,
    });
    expect(wallClock(Date.parse('2026-11-24T03:30:00Z'), 'Pacific/Honolulu')).toMatchObject({
      day: 23,
      minute: 17 * 60 + 30,
      weekday: 1,
    });
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
  });
});

describe('US federal holidays', () => {
  it('computes the holidays of 2026 with their observed days', () => {
    const text = (d: { year: number; month: number; day: number }) => `${d.month}/${d.day}`;
    expect(usFederalHolidays(2026).map((h) => `${h.name}: ${text(h.observed)}`)).toEqual([
      "New Year's Day: 1/1",
      'Birthday of Martin Luther King, Jr.: 1/19',
      "Washington's Birthday: 2/16",
      'Memorial Day: 5/25',
      'Juneteenth National Independence Day: 6/19',
      'Independence Day: 7/3',
      'Labor Day: 9/7',
      'Columbus Day: 10/12',
      'Veterans Day: 11/11',
      'Thanksgiving Day: 11/26',
      'Christmas Day: 12/25',
    ]);
  });

  it('knows Juneteenth only from 2021 and New Year observed on the 31st of December before', () => {
    expect(usFederalHolidays(2020).some((h) => h.name.startsWith('Juneteenth'))).toBe(false);
    expect(federalHolidayOn({ year: 2021, month: 12, day: 31 })?.name).toBe("New Year's Day");
    expect(federalHolidayOn({ year: 2026, month: 7, day: 4 })?.name).toBe('Independence Day');
    expect(federalHolidayOn({ year: 2026, month: 7, day: 3 })?.name).toBe('Independence Day');
    expect(federalHolidayOn({ year: 2026, month: 7, day: 6 })).toBeUndefined();
  });
});

describe('decide', () => {
  const schedule = parseScheduleFile(SCHOOL_DISTRICT, 'production');

  it('allows a deploy inside a window and says when the window ends', () => {
    const d = decide(schedule, Date.parse('2026-11-24T08:30:00Z'));
    expect(d.allowed).toBe(true);
    expect(d.current?.text).toBe('Tue 2026-11-24 02:00–06:00 America/New_York');
    expect(iso(d.current?.end)).toBe('2026-11-24T11:00:00.000Z');
  });

  it('refuses during school hours and names the next window, skipping Thanksgiving', () => {
    const d = decide(schedule, Date.parse('2026-11-25T15:15:00Z'));
    expect(d.allowed).toBe(false);
    expect(d.blockedBy).toEqual(['School hours (Mon–Fri 07:00–16:00)']);
    expect(d.next?.text).toBe('Sat 2026-11-28 06:00–10:00 America/New_York');
    expect(refusalMessage('production', d)).toBe(
      'Deploys to production are not allowed at Wed 2026-11-25 10:15 America/New_York: School hours (Mon–Fri 07:00–16:00). ' +
        'Next allowed window: Sat 2026-11-28 06:00–10:00 America/New_York (starts 2026-11-28T11:00:00.000Z). ' +
        'To deploy anyway, set emergency: true with a reason.',
    );
  });

  it('refuses inside a window on a federal holiday', () => {
    const d = decide(schedule, Date.parse('2026-11-26T08:00:00Z'));
    expect(d.inWindow).toBe(true);
    expect(d.blockedBy).toEqual(['federal holiday: Thanksgiving Day']);
  });

  it('says "outside every deployment window" when nothing blocks but no window is open', () => {
    const d = decide(schedule, Date.parse('2026-11-22T15:00:00Z'));
    expect(d.allowed).toBe(false);
    expect(refusalMessage(undefined, d)).toContain(
      'Deploys are not allowed at Sun 2026-11-22 10:00 America/New_York: outside every deployment window.',
    );
    expect(d.next?.text).toBe('Tue 2026-11-24 02:00–06:00 America/New_York');
  });

  it('keeps a freeze closed to its last day and opens the first window after it', () => {
    const d = decide(schedule, Date.parse('2026-12-22T08:00:00Z'));
    expect(d.blockedBy).toEqual(['freeze: Winter break (2026-12-18 00:00 – 2027-01-04 24:00)']);
    expect(d.next?.text).toBe('Tue 2027-01-05 02:00–06:00 America/New_York');
  });

  it('cuts a window where a blackout begins', () => {
    const s: Schedule = {
      timeZone: NY,
      windows: [{ days: [1], from: 360, to: 540 }],
      blackouts: [{ name: 'School hours', days: [1, 2, 3, 4, 5], from: 420, to: 960 }],
      federalHolidays: false,
      freezes: [],
    };
    expect(upcomingWindows(s, Date.parse('2026-11-22T12:00:00Z'), 1)[0]?.text).toBe(
      'Mon 2026-11-23 06:00–07:00 America/New_York',
    );
    expect(decide(s, Date.parse('2026-11-23T12:30:00Z')).allowed).toBe(false);
  });

  it('follows a window over midnight into the next day', () => {
    const s: Schedule = {
      timeZone: NY,
      windows: [{ days: [5], from: 22 * 60, to: 120 }],
      blackouts: [],
      federalHolidays: false,
      freezes: [],
    };
    const d = decide(s, Date.parse('2026-11-28T06:00:00Z')); // Sat 01:00
    expect(d.allowed).toBe(true);
    expect(d.current?.text).toBe('Fri 2026-11-27 22:00–Sat 2026-11-28 02:00 America/New_York');
    expect(iso(d.current?.end)).toBe('2026-11-28T07:00:00.000Z');
  });

  it('places the same local window an hour apart in UTC across the autumn change', () => {
    const s: Schedule = {
      timeZone: NY,
      windows: [{ days: [2], from: 120, to: 360 }],
      blackouts: [],
      federalHolidays: false,
      freezes: [],
    };
    const [before, after] = upcomingWindows(s, Date.parse('2026-10-26T00:00:00Z'), 2);
    expect(iso(before?.start)).toBe('2026-10-27T06:00:00.000Z');
    expect(iso(after?.start)).toBe('2026-11-03T07:00:00.000Z');
  });

  it("uses the environment's section: staging deploys any time outside blackouts", () => {
    const staging = parseScheduleFile(SCHOOL_DISTRICT, 'staging');
    expect(staging.windows).toBe('always');
    expect(staging.federalHolidays).toBe(false);
    expect(decide(staging, Date.parse('2026-11-22T15:00:00Z')).allowed).toBe(true);
    expect(decide(staging, Date.parse('2026-11-25T15:15:00Z')).allowed).toBe(false);
  });
});

describe('schedule file', () => {
  it('reads clocks and weekdays as people write them', () => {
    expect(parseClock('06:30')).toBe(390);
    expect(parseClock('24:00')).toBe(1440);
    expect(parseClock('24:01')).toBeUndefined();
    expect(parseClock('6:75')).toBeUndefined();
    expect(parseDays('Tue-Thu')).toEqual([2, 3, 4]);
    expect(parseDays('Fri–Mon')).toEqual([0, 1, 5, 6]);
    expect(parseDays(['sat', 'Sunday'])).toEqual([0, 6]);
    expect(parseDays('weekdays')).toEqual([1, 2, 3, 4, 5]);
    expect(parseDays('Someday')).toBeUndefined();
    expect(daysText([1, 2, 3, 4, 5])).toBe('Mon–Fri');
    expect(daysText([2, 4, 6])).toBe('Tue, Thu, Sat');
  });

  const mistake = (text: string) => {
    try {
      parseScheduleFile(text);
    } catch (error) {
      if (error instanceof ScheduleFileError) return { message: error.message, line: error.line };
      throw error;
    }
    throw new Error('expected a ScheduleFileError');
  };

  it('names the line of a wrong weekday', () => {
    expect(
      mistake(
        'timezone: America/New_York\nwindows:\n  - days: Tue-Thu\n    from: "02:00"\n    to: "06:00"\n  - days: Caturday\n    from: "06:00"\n    to: "10:00"\n',
      ),
    ).toEqual({
      message:
        'windows[1].days: must be weekdays such as Tue-Thu, Sat, \'Mon, Wed\' or weekdays; got "Caturday"',
      line: 6,
    });
  });

  it('rejects an unknown time zone, an unknown key, a bad freeze and broken YAML', () => {
    expect(mistake('timezone: Eastern\nwindows: always\n')).toEqual({
      message: 'timezone: must be an IANA time zone such as America/New_York; got "Eastern"',
      line: 1,
    });
    expect(mistake('timezone: UTC\nwindow: always\n')).toMatchObject({
      message: expect.stringContaining('window: unknown key'),
      line: 2,
    });
    expect(
      mistake(
        'timezone: UTC\nwindows: always\nfreezes:\n  - { name: X, from: 2026-12-18, to: 2026-12-01 }\n',
      ),
    ).toMatchObject({
      message: 'freezes[0].to: must be after from',
      line: 4,
    });
    expect(mistake('timezone: UTC\nwindows: [\n')).toMatchObject({
      message: expect.stringContaining('not valid YAML'),
      line: expect.any(Number),
    });
    expect(mistake('timezone: UTC\n')).toMatchObject({
      message: "windows: is required: a list of { days, from, to } or 'always'",
    });
  });
});
